import { describe, expect, it } from 'vitest';
import { decontaminate, wordTokens } from './decontaminate.js';
import type { GenerativeExample, Split } from './generative-example.js';

const example = (id: string, split: Split, input: string, answer = 'ok', withRawInput = true): GenerativeExample => ({
  id,
  split,
  messages: [
    { role: 'system', content: 'You are a careful assistant that writes summaries of the text the user gives you in one short sentence.' },
    { role: 'user', content: `Summarise: ${input}` },
  ],
  answer,
  finishReason: 'stop',
  ...(withRawInput ? { input } : {}),
});

const LEAKED = 'the quick brown fox jumps over the lazy dog near the quiet river bank at dawn';
const filler = (index: number) => `training sentence number ${index} talks about topic ${index * 7} and nothing else of note here at all`;

describe('wordTokens', () => {
  it('lowercases, collapses whitespace and drops punctuation and JSON syntax', () => {
    expect(wordTokens('  Hello,\n  WORLD! {"name": "Zoë", "age": 42}')).toEqual(['hello', 'world', 'name', 'zoë', 'age', '42']);
  });
});

describe('decontaminate', () => {
  it('removes a training example sharing a 13-gram with a test input, whatever the case and punctuation, with the evidence', () => {
    const examples = [
      example('t1', 'train', `Some preamble. ${LEAKED.toUpperCase().replace('FOX', 'FOX,')} and then more words`),
      example('t2', 'train', filler(2)),
      example('e1', 'test', LEAKED),
      example('v1', 'val', 'a validation text that shares nothing with training at all whatsoever really'),
    ];
    const result = decontaminate(examples);
    expect(result.removed).toEqual([
      { id: 't1', field: 'input', matchedId: 'e1', matchedSplit: 'test', matchedField: 'input', ngram: 'the quick brown fox jumps over the lazy dog near the quiet river' },
    ]);
    expect(result.kept.map((kept) => kept.id)).toEqual(['t2', 'e1', 'v1']);
    expect(result.counts).toEqual({ training: 2, removed: 1, bySplit: { val: 0, test: 1 }, byField: { input: 1, answer: 0 }, boilerplateNgrams: 0 });
  });

  it('keeps a training example that shares only 12 consecutive words', () => {
    const twelve = LEAKED.split(' ').slice(0, 12).join(' ');
    const result = decontaminate([example('t1', 'train', `${twelve} but then it diverges completely`), example('e1', 'val', LEAKED)]);
    expect(result.removed).toEqual([]);
    expect(result.kept).toHaveLength(2);
  });

  it('compares answers with inputs both ways and counts by split and field', () => {
    const examples = [
      example('t1', 'train', filler(1), `The answer restates: ${LEAKED}.`),
      example('t2', 'train', LEAKED),
      example('v1', 'val', 'an unrelated validation input', `${LEAKED} indeed`),
      example('t3', 'train', filler(3)),
    ];
    const result = decontaminate(examples);
    expect(result.removed.map((entry) => [entry.id, entry.field, entry.matchedId, entry.matchedField])).toEqual([
      ['t1', 'answer', 'v1', 'answer'],
      ['t2', 'input', 'v1', 'answer'],
    ]);
    expect(result.counts.bySplit).toEqual({ val: 2, test: 0 });
    expect(result.counts.byField).toEqual({ input: 1, answer: 1 });
  });

  it('compares an input shorter than n whole: an equal short input is removed, one it merely contains is kept', () => {
    const examples = [example('t1', 'train', 'Paris, France!'), example('t2', 'train', 'I flew to paris france last spring'), example('e1', 'test', 'paris   france')];
    const result = decontaminate(examples);
    expect(result.removed).toEqual([{ id: 't1', field: 'input', matchedId: 'e1', matchedSplit: 'test', matchedField: 'input', ngram: 'paris france' }]);
  });

  it('never compares answers shorter than n, which are shared by chance (labels, empty extractions)', () => {
    const examples = [example('t1', 'train', filler(1), '{"people": []}'), example('e1', 'test', filler(99), '{"people": []}')];
    expect(decontaminate(examples).removed).toEqual([]);
  });

  it('honours a configured n', () => {
    const examples = [example('t1', 'train', 'alpha beta gamma delta epsilon'), example('e1', 'val', 'zeta gamma delta epsilon eta')];
    expect(decontaminate(examples, { n: 4 }).removed).toEqual([]);
    expect(decontaminate(examples, { n: 3 }).removed.map((entry) => entry.ngram)).toEqual(['gamma delta epsilon']);
    expect(() => decontaminate(examples, { n: 0 })).toThrow(RangeError);
  });

  it('ignores the template wording shared by most examples when the raw input is unknown, but still finds a real leak', () => {
    const template = 'please read the following customer message carefully and then extract every person place and organisation it names';
    const withTemplate = (id: string, split: Split, text: string): GenerativeExample => ({ ...example(id, split, text, 'ok', false), messages: [{ role: 'user', content: `${template}: ${text}` }] });
    const training = Array.from({ length: 20 }, (_, index) => withTemplate(`t${index}`, 'train', filler(index)));
    training.push(withTemplate('leak', 'train', LEAKED));
    const result = decontaminate([...training, withTemplate('e1', 'test', LEAKED), withTemplate('e2', 'test', 'short and new')]);
    expect(result.removed.map((entry) => entry.id)).toEqual(['leak']);
    expect(result.counts.boilerplateNgrams).toBeGreaterThan(0);
    expect(result.kept).toHaveLength(22);
  });

  it('returns everything when there is no evaluation data or no training data', () => {
    const onlyTraining = [example('t1', 'train', LEAKED), example('t2', 'train', LEAKED)];
    expect(decontaminate(onlyTraining)).toMatchObject({ removed: [], counts: { training: 2, removed: 0 } });
    expect(decontaminate([example('e1', 'test', LEAKED)]).kept).toHaveLength(1);
    expect(decontaminate([]).kept).toEqual([]);
  });

  it('handles 5,000 examples with one planted leak exactly (no false positives from hash collisions)', () => {
    const examples: GenerativeExample[] = [];
    for (let index = 0; index < 4000; index++) examples.push(example(`t${index}`, 'train', `${filler(index)} ${index * 31} extra ${index % 97}`, `answer for ${index} is ${index * 13} units of measure in total count`));
    for (let index = 0; index < 1000; index++) examples.push(example(`e${index}`, index % 2 === 0 ? 'val' : 'test', `held out item ${index} discusses ${index * 3} other things entirely unlike training data ${index}`));
    examples[1234] = example('t1234', 'train', `held out item 7 discusses 21 other things entirely unlike training data 7 plus more`);
    const result = decontaminate(examples);
    expect(result.removed.map((entry) => [entry.id, entry.matchedId, entry.matchedSplit])).toEqual([['t1234', 'e7', 'test']]);
  });
});
