/**
 * The extract demo's inputs: real English sentences from nlp-corpus (MIT, by Spencer Kelly, the
 * author of compromise; 100 files of 1,000 sentences from Wikipedia, news, UN documents, reviews,
 * speeches, fiction and chat). Its README asks that the texts not be republished commercially and
 * warns that some are offensive: the demo reads them where npm installed them, publishes none, and
 * drops sentences with common slurs and profanity. Filtering never asks the teacher (the demo talks to
 * it only over HTTP): a sentence is kept when its length is reasonable, it reads as one sentence and
 * it has a capitalised word after its first (a hint of a name). Same install, same options → same
 * sentences in the same order (seeded hash order, never Math.random).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../util/errors.js';
import { sha256Hex, unitInterval } from '../util/hash.js';

/** One sentence of the corpus. */
export interface SentenceItem {
  /** Content address of `text` (16 hex digits). */
  id: string;
  text: string;
  /** The corpus file and index it came from, e.g. `nlp-corpus/doc-3.json#17`. */
  source: string;
}

/** How to pick the sentences. */
export interface SentenceCorpusOptions {
  /** Most sentences (default 3000). */
  limit?: number;
  /** Sampling seed: another seed draws another sample of the same pool (default 0). */
  seed?: number;
  /** Shortest sentence in characters (default 40). */
  minChars?: number;
  /** Longest sentence in characters (default 250). */
  maxChars?: number;
  /** Folder of nlp-corpus's doc-N.json files; default the installed package's `builds/`. */
  documentsDir?: string;
}

/** Common slurs and profanity (whole words and their inflections): sentences with them are left out of a demo. */
const OFFENSIVE = /\b(?:fuck\w*|motherfuck\w*|shit\w*|bullshit|cunts?|nigg\w*|bitch\w*|whores?|fag|fags|faggot\w*|puss(?:y|ies)|sluts?|retard\w*|dicks?|cocks?|rape\w*|porn\w*|tits|asshole\w*)\b/iu;
/** A capitalised word after the first word: a name is likely (or an acronym). */
const CAPITALISED_LATER = /\s["'“(]?\p{Lu}[\p{L}\p{N}.'’-]*/u;
/** How a sentence begins and ends (chat fragments, list items and headings do not). */
const SENTENCE_START = /^["'“(]?[\p{Lu}\p{N}]/u;
const SENTENCE_END = /[.!?]["'”)]?$/u;
/** Control characters, replacement characters and markup: broken or non-prose text. */
const UNPRINTABLE = /[\u0000-\u001f\u007f\ufffd<>{}|\\]|https?:|www\./u;

/** The installed nlp-corpus's folder of sentence files. */
export function defaultDocumentsDir(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.resolve('nlp-corpus'))), '..', '..', 'builds');
}

/** Whitespace collapsed and trimmed. */
function normaliseSpace(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/** Whether a normalised text is a usable demo sentence (see the module comment). */
export function isDemoSentence(text: string, minChars = 40, maxChars = 250): boolean {
  if (text.length < minChars || text.length > maxChars) return false;
  if (!SENTENCE_START.test(text) || !SENTENCE_END.test(text) || UNPRINTABLE.test(text) || OFFENSIVE.test(text)) return false;
  return CAPITALISED_LATER.test(text);
}

/** The sentence files in numeric order (doc-0, doc-1, … doc-99), so the pool never depends on the file system's order. */
async function documentFiles(directory: string): Promise<string[]> {
  const files = (await readdir(directory)).filter((name) => /^doc-\d+\.json$/u.test(name));
  return files.sort((a, b) => Number(a.slice(4, -5)) - Number(b.slice(4, -5)));
}

/** Every usable sentence of the corpus once, in file order (the first copy of a repeated sentence wins). */
export async function sentencePool(options: SentenceCorpusOptions = {}): Promise<SentenceItem[]> {
  const { minChars = 40, maxChars = 250 } = options;
  const directory = options.documentsDir ?? defaultDocumentsDir();
  const files = await documentFiles(directory);
  const documents = await Promise.all(files.map(async (file) => JSON.parse(await readFile(path.join(directory, file), 'utf8')) as unknown));
  const seen = new Set<string>();
  const pool: SentenceItem[] = [];
  documents.forEach((document, fileIndex) => {
    if (!Array.isArray(document)) return;
    document.forEach((value: unknown, index) => {
      if (typeof value !== 'string') return;
      const text = normaliseSpace(value);
      if (!isDemoSentence(text, minChars, maxChars)) return;
      const id = sha256Hex(text).slice(0, 16);
      if (seen.has(id)) return;
      seen.add(id);
      pool.push({ id, text, source: `nlp-corpus/${files[fileIndex] ?? ''}#${index}` });
    });
  });
  return pool;
}

/** Up to `limit` sentences of the pool in seeded hash order: a fixed pseudo-random sample whose prefixes are samples too. */
export async function buildSentenceCorpus(options: SentenceCorpusOptions = {}): Promise<SentenceItem[]> {
  const { limit = 3000, seed = 0 } = options;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${limit}`);
  const keyed = (await sentencePool(options)).map((item) => ({ item, key: unitInterval(`sentence:${seed}:${item.id}`) }));
  keyed.sort((a, b) => a.key - b.key || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0));
  return keyed.slice(0, limit).map(({ item }) => item);
}
