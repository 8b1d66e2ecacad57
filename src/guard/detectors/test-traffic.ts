/** Small deterministic traffic for the detectors' unit tests: a person with interests, sweeps, templates. */
import { seededRandom } from '../../util/random.js';
import type { RequestFeatures } from '../types.js';

const FILLER = 'the a my this that some every about with for from into over after before because while'.split(' ');
/** 3,375 made-up words (three syllables each): a vocabulary large enough for a sweep to keep finding new words. */
const SYLLABLES = ['ba', 'ko', 'ri', 'mu', 'te', 'sa', 'lo', 'ne', 'pi', 'du', 'ga', 'fe', 'zo', 'hi', 'vu'];
const VOCABULARY = SYLLABLES.flatMap((first) => SYLLABLES.flatMap((second) => SYLLABLES.map((third) => `${first}${second}${third}`)));

/** A request as the gateway would see it; `extra` overrides any field. */
export function request(at: number, prompt: string, extra: Partial<RequestFeatures> = {}): RequestFeatures {
  return { at, route: '/v1/chat/completions', model: 'm', prompt, lastMessage: prompt, messageCount: 1, stream: false, maxTokens: null, logprobs: false, topLogprobs: null, temperature: null, ...extra };
}

/** Prompts of a person with a few interests: each mentions one of them among other, varied words. */
export function personPrompts(seed: number, count: number): string[] {
  const random = seededRandom(seed);
  const pick = <Item>(items: readonly Item[]): Item => items[Math.floor(random() * items.length)] as Item;
  const interests = [pick(VOCABULARY), pick(VOCABULARY), pick(VOCABULARY)];
  return Array.from({ length: count }, () => {
    const words = Array.from({ length: 6 + Math.floor(random() * 8) }, () => (random() < 0.4 ? pick(FILLER) : pick(VOCABULARY)));
    words.splice(Math.floor(random() * words.length), 0, pick(interests), pick(interests));
    return `${words.join(' ')}?`;
  });
}

/** Prompts sweeping the vocabulary: each about different things, nothing shared on purpose. */
export function sweepPrompts(seed: number, count: number): string[] {
  const random = seededRandom(seed);
  const pick = <Item>(items: readonly Item[]): Item => items[Math.floor(random() * items.length)] as Item;
  return Array.from({ length: count }, () => Array.from({ length: 7 + Math.floor(random() * 6) }, () => (random() < 0.3 ? pick(FILLER) : pick(VOCABULARY))).join(' '));
}

/** Prompts filling one template's short slots. */
export function templatePrompts(seed: number, count: number): string[] {
  const random = seededRandom(seed);
  const pick = <Item>(items: readonly Item[]): Item => items[Math.floor(random() * items.length)] as Item;
  return Array.from({ length: count }, () => `Write a ${pick(['short', 'long', 'funny', 'formal'])} explanation of ${pick(VOCABULARY)} for ${pick(['a child', 'an expert', 'a student', 'a lawyer'])} in the style of ${pick(['a poem', 'a letter', 'a list', 'a story'])}.`);
}

/** Requests from prompts, `gapMs` apart from `startMs`. */
export function requests(prompts: readonly string[], startMs: number, gapMs: number, extra: Partial<RequestFeatures> = {}): RequestFeatures[] {
  return prompts.map((prompt, index) => request(startMs + index * gapMs, prompt, extra));
}

/** Feeds requests to a detector for one key, then returns its verdict on that key. */
export async function verdictAfter(detector: { observe(keyId: string, features: RequestFeatures): unknown; score(keyId: string): unknown }, keyId: string, traffic: readonly RequestFeatures[], clock?: { now: number }): Promise<{ score: number; reasons: string[] }> {
  for (const features of traffic) {
    if (clock !== undefined) clock.now = features.at;
    await detector.observe(keyId, features);
  }
  return (await detector.score(keyId)) as { score: number; reasons: string[] };
}
