/**
 * The public text of the KGW evidence bench and what an attacker does to a harvest. The owner's
 * model learns Debian's licence texts (/usr/share/common-licenses) as "continue: six words" → the
 * next words; the paraphraser learns other text (the README files of the npm packages installed
 * here); the attacker's edits (synonym swaps from the lexical watermark's WordNet sets, random word
 * substitution, mixing answers of two sources) are plain functions of a seed, so every arm is
 * reproducible.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fastGlob from 'fast-glob';
import { createRandom } from '../../src/util/random.js';
import { unitInterval } from '../../src/util/hash.js';

const LICENCES = '/usr/share/common-licenses';
/** Words of the prompt ("continue: w1 … w6"). */
export const PROMPT_WORDS = 6;

/** One (prompt, continuation) pair. */
export interface TextWindow { prompt: string; answer: string }

/** Whitespace-separated words of a text (very long "words", e.g. rules of dashes, dropped). */
function wordsOf(text: string): string[] {
  return text.split(/\s+/u).filter((word) => word.length > 0 && word.length < 16);
}

/** Non-overlapping (prompt, continuation) windows over the licence texts, in a fixed pseudo-random order. */
export function licenceWindows(answerWords: number): TextWindow[] {
  const files = readdirSync(LICENCES).map((name) => path.join(LICENCES, name)).filter((file) => statSync(file).isFile()).sort();
  const words = files.flatMap((file) => wordsOf(readFileSync(file, 'utf8')));
  const windows = new Map<string, TextWindow>();
  const step = PROMPT_WORDS + answerWords;
  for (let start = 0; start + step <= words.length; start += step) {
    const prompt = `continue: ${words.slice(start, start + PROMPT_WORDS).join(' ')}`;
    if (!windows.has(prompt)) windows.set(prompt, { prompt, answer: words.slice(start + PROMPT_WORDS, start + step).join(' ') });
  }
  return [...windows.values()].sort((a, b) => unitInterval(a.prompt) - unitInterval(b.prompt));
}

/** Sentences of the README files of installed npm packages (text that is not the licences), at most `limit`. */
export function otherText(limit: number): string[] {
  const files = fastGlob.sync('node_modules/*/README.md', { onlyFiles: true }).sort().slice(0, 400);
  const sentences: string[] = [];
  for (const file of files) {
    const prose = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/gu, ' ').replace(/[#*`>|[\]()_]/gu, ' ');
    for (const sentence of prose.split(/(?<=[.!?])\s+/u)) {
      const words = wordsOf(sentence);
      if (words.length >= 8 && words.length <= 24 && words.every((word) => /^[A-Za-z,.;:'"-]+$/u.test(word))) sentences.push(words.join(' '));
    }
  }
  return [...new Set(sentences)].sort((a, b) => unitInterval(a) - unitInterval(b)).slice(0, limit);
}

/** Prompts of the same form as the licence windows' ("continue: " and a sentence's first six words) from other text (README sentences), distinct, at most `limit`. */
export function otherPrompts(sentences: readonly string[], limit: number): string[] {
  const prompts = sentences.map((sentence) => `continue: ${sentence.split(' ').slice(0, PROMPT_WORDS).join(' ')}`);
  return [...new Set(prompts)].slice(0, limit);
}

/** The paraphraser's input: every third word of `text` dropped, so it must write words of its own. */
export function paraphraseInput(text: string): string {
  return `rewrite: ${text.split(' ').filter((_, index) => index % 3 !== 1).join(' ')}`;
}

/** Replaces a share of the words by a random other word of `vocabulary` (seeded). */
export function substituteRandomWords(text: string, share: number, vocabulary: readonly string[], seed: number): string {
  const random = createRandom(seed);
  return text.split(' ').map((word) => (random.next() < share ? vocabulary[random.nextInt(vocabulary.length)]! : word)).join(' ');
}

/** Replaces each word that has WordNet synonyms (the lexical watermark's sets) by a random member of its set (seeded). */
export function substituteSynonyms(text: string, synonyms: ReadonlyMap<string, readonly string[]>, seed: number): { text: string; swapped: number; words: number } {
  const random = createRandom(seed);
  let swapped = 0;
  const words = text.split(' ');
  const out = words.map((word) => {
    // The word without the punctuation around it ("software," → "software").
    const [, before = '', bare = '', after = ''] = /^(\W*)(.*?)(\W*)$/u.exec(word) ?? [];
    const set = synonyms.get(bare.toLowerCase());
    if (set === undefined) return word;
    const choice = set[random.nextInt(set.length)]!;
    if (choice !== bare.toLowerCase()) swapped++;
    const cased = bare[0] !== undefined && bare[0] !== bare[0].toLowerCase() ? choice[0]!.toUpperCase() + choice.slice(1) : choice;
    return `${before}${cased}${after}`;
  });
  return { text: out.join(' '), swapped, words: words.length };
}

/** For each prompt both sources answered, the first source's answer with probability `share` (by a seeded hash of the prompt), else the second's. */
export function mixAnswers(first: ReadonlyMap<string, string>, second: ReadonlyMap<string, string>, share: number, seed: number): Map<string, { answer: string; fromFirst: boolean }> {
  const mixed = new Map<string, { answer: string; fromFirst: boolean }>();
  for (const [prompt, answer] of first) {
    const other = second.get(prompt);
    if (other === undefined) continue;
    const fromFirst = unitInterval(`${seed}:${prompt}`) < share;
    mixed.set(prompt, { answer: fromFirst ? answer : other, fromFirst });
  }
  return mixed;
}
