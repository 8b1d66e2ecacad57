import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../util/errors.js';
import { buildSentenceCorpus, isDemoSentence, sentencePool } from './sentence-corpus.js';

describe('isDemoSentence', () => {
  it.each([
    ['Ada Lovelace wrote the first program for the Analytical Engine.', true],
    ['Ada Lovelace.', false], // too short
    ['the meeting was moved to the afternoon because of the rain outside.', false], // no capital start
    ['It was moved to the afternoon because of the rain that fell outside.', false], // no capitalised word later
    ['Ada Lovelace wrote the first program for the Analytical Engine', false], // no end punctuation
    ['Ada Lovelace wrote about the Engine at http://example.com today.', false], // a link
    ['Ada Lovelace said this shit about the Analytical Engine was great.', false], // profanity
    [`Ada Lovelace ${'wrote a very long sentence '.repeat(10)}for London.`, false], // too long
  ])('%s → %s', (text, expected) => {
    expect(isDemoSentence(text)).toBe(expected);
  });
});

describe('sentencePool (fixture documents)', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'sentence-corpus-'));
    // doc-10 sorts before doc-2 by name; numeric order must put doc-2 first.
    await writeFile(path.join(directory, 'doc-10.json'), JSON.stringify(['Grace Hopper   worked on the\nHarvard Mark I computer in the war.', 'Short one.']));
    await writeFile(path.join(directory, 'doc-2.json'), JSON.stringify(['Grace Hopper worked on the Harvard Mark I computer in the war.', 42, 'Alan Turing was born in Maida Vale, London, in the year 1912.']));
    await writeFile(path.join(directory, 'notes.txt'), 'ignored');
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('keeps usable sentences once, whitespace collapsed, in numeric file order', async () => {
    const pool = await sentencePool({ documentsDir: directory });
    expect(pool.map((item) => [item.text, item.source])).toEqual([
      ['Grace Hopper worked on the Harvard Mark I computer in the war.', 'nlp-corpus/doc-2.json#0'],
      ['Alan Turing was born in Maida Vale, London, in the year 1912.', 'nlp-corpus/doc-2.json#2'],
    ]);
  });
});

describe('buildSentenceCorpus (the installed nlp-corpus)', () => {
  it('is deterministic, filtered, without duplicates, and seeded', async () => {
    const first = await buildSentenceCorpus({ limit: 2000 });
    const again = await buildSentenceCorpus({ limit: 2000 });
    expect(again).toEqual(first);
    expect(first).toHaveLength(2000);
    expect(new Set(first.map((item) => item.text)).size).toBe(2000);
    for (const item of first) expect(isDemoSentence(item.text), item.text).toBe(true);
    // --limit takes a prefix of the same order, so a smaller demo is a subset of a bigger one.
    expect(await buildSentenceCorpus({ limit: 100 })).toEqual(first.slice(0, 100));
    const otherSeed = await buildSentenceCorpus({ limit: 2000, seed: 1 });
    expect(otherSeed.map((item) => item.id)).not.toEqual(first.map((item) => item.id));
  });

  it('has a few thousand sentences to draw from', async () => {
    expect((await sentencePool()).length).toBeGreaterThan(5000);
  });

  it('rejects a limit that is not a positive integer', async () => {
    await expect(buildSentenceCorpus({ limit: 0 })).rejects.toThrow(UsageError);
    await expect(buildSentenceCorpus({ limit: 2.5 })).rejects.toThrow(/--limit must be a positive integer, got 2.5/);
  });
});
