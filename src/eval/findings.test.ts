import { describe, expect, it } from 'vitest';
import { evaluationWarnings, LIST_CAP, listDisagreements, listJunk, snippet, type ScoredExample } from './findings.js';

const example = (index: number, agrees: boolean): ScoredExample => ({
  inputId: `i${String(index).padStart(3, '0')}`, source: `in.jsonl:${index}`, text: `text number ${index}\nsecond line`,
  teacherLabel: 'a', teacherProbability: 0.6, studentLabel: agrees ? 'a' : 'b', studentProbability: (index % 97) / 100,
});

describe('evaluation findings', () => {
  it('lists at most 50 disagreements, most confident student first, with the full count', () => {
    const examples = Array.from({ length: 300 }, (_, index) => example(index, index % 3 === 0));
    const list = listDisagreements(examples);
    expect(list.total).toBe(200);
    expect(list.shown).toHaveLength(LIST_CAP);
    expect(LIST_CAP).toBe(50);
    const confidence = list.shown.map((row) => row.student.probability);
    expect(confidence).toEqual([...confidence].sort((a, b) => b - a));
    expect(list.shown.every((row) => row.teacher.label === 'a' && row.student.label === 'b')).toBe(true);
    expect(list.shown[0]?.snippet).not.toContain('\n');
  });

  it('lists junk answers in order, capped, keeping the count', () => {
    const answers = Array.from({ length: 60 }, (_, index) => ({ inputId: `j${index}`, source: 's', text: 't', split: 'train' as const, answer: 'no idea' }));
    const list = listJunk(answers);
    expect(list.total).toBe(60);
    expect(list.shown.map((row) => row.inputId)).toEqual(answers.slice(0, 50).map((row) => row.inputId));
  });

  it('cuts snippets to one line with an ellipsis', () => {
    expect(snippet('a\n\tb   c')).toBe('a b c');
    expect(snippet('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('warns below 100 scored examples, and when scoring fell back to the validation split', () => {
    expect(evaluationWarnings(12, 'test')).toEqual(['only 12 test examples scored (fewer than 100): the figures are rough, see the 95% interval; add inputs for a firmer measure']);
    expect(evaluationWarnings(99, 'test')).toHaveLength(1);
    expect(evaluationWarnings(100, 'test')).toEqual([]);
    expect(evaluationWarnings(500, 'val')[0]).toMatch(/validation split/u);
  });
});
