/**
 * Scoring the students of the lexical evidence story: the detector's p-values (permutation over
 * random keys, and the binomial tail beside it), the p-value against tuples scored, the control
 * against many random keys, and the profile of why a student does or does not carry the mark
 * (tuples per answer, how many of its tuples it saw in training, its match rate on those).
 */
import { createHash } from 'node:crypto';
import { binomialTail, detectLexicalWatermark, MIN_SCORED_TUPLES, type LexicalDetection } from '../../src/evidence/lexical/lexical-detect.js';
import { DEFAULT_LEXICAL_CONTEXT, type LexicalContextMode } from '../../src/evidence/lexical/lexical-context.js';
import type { LexicalKey } from '../../src/evidence/lexical/lexical-key.js';
import { LexicalScanner } from '../../src/evidence/lexical/lexical-scanner.js';
import { keyedChoice } from '../../src/evidence/lexical/lexical-watermark.js';
import { defaultSynonymTable } from '../../src/evidence/lexical/synonyms.js';

/** A key derived from a label (the owner's key of a seed, or one of the random keys). */
export function labelledKey(label: string, context: LexicalContextMode = DEFAULT_LEXICAL_CONTEXT): LexicalKey {
  return { scheme: 'lexical', version: 1, secret: createHash('sha256').update(`evidence-lexical:${label}`).digest(), context };
}

/** log10 of a p-value, floored so that an underflow reads as a number. */
export const log10P = (p: number | null): number => (p === null ? Number.NaN : Math.log10(Math.max(p, 1e-300)));

/** One distinct tuple: whether it is written with the key's choice, and its set's size. */
export interface ScoredTuple { matched: boolean; size: number }

/** The distinct (set, previous word) tuples of texts, first appearance kept, each with whether it is the key's choice. */
export function tuplesOf(texts: readonly string[], key: LexicalKey): Map<string, ScoredTuple> {
  const table = defaultSynonymTable();
  const tuples = new Map<string, ScoredTuple>();
  for (const text of texts) {
    const visit = (word: string, setIndex: number, context: string): string => {
      const set = table.sets[setIndex] as readonly string[];
      const id = `${set[0] as string}\u0000${context}`;
      if (!tuples.has(id)) tuples.set(id, { matched: keyedChoice(key.secret, set, context) === set.indexOf(word), size: set.length });
      return word;
    };
    new LexicalScanner(table, visit, key.context).process(text);
  }
  return tuples;
}

/** The score restricted to tuples the owner's log of served (watermarked) answers holds: the owner picks them without looking at the suspect's words. */
export interface LogFilteredScore { scored: number; matched: number; chanceRate: number; pValue: number | null }

/** Scores only the suspect tuples that also occur in the owner's served answers (binomial tail at the mean chance rate). */
export function logFilteredScore(answers: readonly string[], served: readonly string[], key: LexicalKey): LogFilteredScore {
  const log = tuplesOf(served, key);
  const kept = [...tuplesOf(answers, key)].filter(([id]) => log.has(id)).map(([, tuple]) => tuple);
  const matched = kept.filter((tuple) => tuple.matched).length;
  const chanceRate = kept.length === 0 ? 0 : kept.reduce((sum, tuple) => sum + 1 / tuple.size, 0) / kept.length;
  return { scored: kept.length, matched, chanceRate, pValue: kept.length < MIN_SCORED_TUPLES ? null : binomialTail(kept.length, matched, chanceRate) };
}

/** The p-value as answers accumulate: one point per tenth of the answers. */
export interface CurvePoint { answers: number; scored: number; log10P: number }

/** What detection says about one student. */
export interface StudentScore {
  detection: LexicalDetection;
  /** Only the tuples the owner's log holds. */
  filtered: LogFilteredScore;
  curve: CurvePoint[];
  /** Tuples scored when the binomial p first went below 1e-6 (null: never). */
  scoredAtTarget: number | null;
  /** Profile: synonym-set words per answer, the share of the student's tuples that its training answers hold, and its match rate on those and on the rest. */
  profile: { tuplesPerAnswer: number; seenShare: number; matchSeen: number; matchUnseen: number; trainingTuples: number; trainingMatchRate: number };
}

/** Scores a student's answers against `key`, with `served` (the owner's log) for the filtered score and `harvested` (its training answers) for the profile. */
export function scoreStudent(answers: readonly string[], served: readonly string[], harvested: readonly string[], key: LexicalKey, nullKeys: number): StudentScore {
  const detection = detectLexicalWatermark(answers, key, { nullKeys });
  const filtered = logFilteredScore(answers, served, key);
  const curve: CurvePoint[] = [];
  let scoredAtTarget: number | null = null;
  for (let tenth = 1; tenth <= 10; tenth++) {
    const count = Math.round((answers.length * tenth) / 10);
    const point = detectLexicalWatermark(answers.slice(0, count), key, { nullKeys: 20 });
    curve.push({ answers: count, scored: point.scored, log10P: log10P(point.naivePValue) });
    if (scoredAtTarget === null && point.naivePValue !== null && point.naivePValue < 1e-6) scoredAtTarget = point.scored;
  }
  const own = tuplesOf(answers, key);
  const training = tuplesOf(harvested, key);
  const seen = [...own].filter(([id]) => training.has(id));
  const unseen = [...own].filter(([id]) => !training.has(id));
  const rate = (tuples: Array<[string, ScoredTuple]>) => (tuples.length === 0 ? Number.NaN : tuples.filter(([, tuple]) => tuple.matched).length / tuples.length);
  return {
    detection, filtered, curve, scoredAtTarget,
    profile: {
      tuplesPerAnswer: own.size / Math.max(1, answers.length), seenShare: own.size === 0 ? Number.NaN : seen.length / own.size, matchSeen: rate(seen), matchUnseen: rate(unseen),
      trainingTuples: training.size, trainingMatchRate: rate([...training]),
    },
  };
}

/** The answers scored against `count` random keys (none of them the owner's): the p-values a clean comparison gives. */
export function randomKeyPValues(answers: readonly string[], count: number, label: string, nullKeys: number, context: LexicalContextMode = DEFAULT_LEXICAL_CONTEXT): Array<{ permutation: number; binomial: number }> {
  return Array.from({ length: count }, (_, index) => {
    const detection = detectLexicalWatermark(answers, labelledKey(`random-${label}-${index}`, context), { nullKeys, nullSeed: index + 1 });
    return { permutation: detection.pValue ?? 1, binomial: detection.naivePValue ?? 1 };
  });
}

/** What the mark does to the teacher's answers: words, eligible synonym-set words (positions the guard decides), and how many of those it changed. */
export interface MarkProfile { answers: number; words: number; eligible: number; changed: number }

/** Runs the guard's choice over the teacher's plain answers and counts what it touches. */
export function markProfile(plainAnswers: readonly string[], key: LexicalKey): MarkProfile {
  const table = defaultSynonymTable();
  let eligible = 0;
  let changed = 0;
  const visit = (word: string, setIndex: number, context: string): string => {
    const set = table.sets[setIndex] as readonly string[];
    const chosen = set[keyedChoice(key.secret, set, context)] as string;
    eligible += 1;
    if (chosen !== word) changed += 1;
    return chosen;
  };
  for (const text of plainAnswers) new LexicalScanner(table, visit, key.context).process(text);
  return { answers: plainAnswers.length, words: plainAnswers.reduce((sum, text) => sum + (text.match(/[A-Za-z]+/gu) ?? []).length, 0), eligible, changed };
}
