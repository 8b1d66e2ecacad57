import { describe, expect, it } from 'vitest';
import { NoAnswersLeftError } from './answer-filters.js';
import { curateGenerative } from './curate-generative.js';
import type { GenerativeExample, Split } from './generative-example.js';

const LEAKED = 'the quick brown fox jumps over the lazy dog near the quiet river bank at dawn';
const example = (id: string, split: Split, input: string, answer: string, finishReason = 'stop'): GenerativeExample => ({ id, split, messages: [{ role: 'user', content: `Extract: ${input}` }], input, answer, finishReason });
const schema = { type: 'object', properties: { people: { type: 'array', items: { type: 'string' } } }, required: ['people'] };

describe('curateGenerative', () => {
  it('filters every split, then decontaminates training, keeping order and explaining each removal', () => {
    const examples = [
      example('t1', 'train', 'Ada met Alan.', '{"people":["Ada","Alan"]}'),
      example('t2', 'train', 'Cut short', '{"people":["Gr', 'length'),
      example('t3', 'train', LEAKED, '{"people":[]}'),
      example('v1', 'val', 'Bob waved.', "I'm sorry, but I can't help with that."),
      example('e1', 'test', `${LEAKED}!`, '```json\n{"people":[]}\n```'),
      example('t4', 'train', 'Grace wrote code.', '{"persons":["Grace"]}'),
      example('t5', 'train', 'Linus spoke.', '{"people":["Linus"]}'),
    ];
    const { examples: kept, report } = curateGenerative(examples, { schema });
    expect(kept.map((entry) => entry.id)).toEqual(['t1', 'e1', 't5']);
    expect(report.filtered).toEqual({ truncated: 1, empty: 0, refusal: 1, schema: 1 });
    expect(report.decontamination).toMatchObject({ training: 3, removed: 1, bySplit: { val: 0, test: 1 } });
    expect(report.kept).toEqual({ train: 2, val: 0, test: 1 });
    expect(report.removed).toEqual([
      { id: 't2', split: 'train', stage: 'filter', name: 'truncated', reason: 'finish reason length (cut off by max tokens)' },
      { id: 't4', split: 'train', stage: 'filter', name: 'schema', reason: "schema: (root) must have required property 'people'" },
      { id: 'v1', split: 'val', stage: 'filter', name: 'refusal', reason: 'refusal: "I\'m sorry, but I can\'t"' },
      { id: 't3', split: 'train', stage: 'decontamination', name: 'decontamination', reason: 'shares "the quick brown fox jumps over the lazy dog near the quiet river" (input) with test example e1 (input)' },
    ]);
  });

  it('can skip decontamination, and stops naming the filter when no training answer is left', () => {
    const examples = [example('t1', 'train', LEAKED, 'ok'), example('e1', 'test', LEAKED, 'ok')];
    expect(curateGenerative(examples, { decontamination: false }).examples).toHaveLength(2);
    const refusals = [example('t1', 'train', 'a', 'As an AI language model, no.'), example('t2', 'train', 'b', 'I cannot help with that.'), example('v1', 'val', 'c', 'fine')];
    expect(() => curateGenerative(refusals)).toThrow(NoAnswersLeftError);
    expect(() => curateGenerative(refusals)).toThrow(/^no answers left after filtering: refusal removed 2 of 2$/);
    expect(curateGenerative([example('v1', 'val', 'a', 'As an AI language model, no.'), example('t1', 'train', 'b', 'fine')]).report.kept).toEqual({ train: 1, val: 0, test: 0 });
  });
});
