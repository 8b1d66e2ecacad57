/**
 * Simulated distillers: keys harvesting the model's outputs with different strategies. Scripts run at
 * the pace of the responses; the slow-and-low cohorts and the adaptive distiller keep human hours.
 */
import type { RequestFeatures } from '../../src/guard/types.js';
import type { TrafficCorpus } from './corpus.js';
import { paraphrase } from './phrasing.js';
import type { Random } from './random.js';
import { chatRequest, type SimulatedKey } from './requests.js';
import { DAY, scriptTimes, sessionStarts, sessionTimes } from './schedule.js';

/** Queries by which a distiller should be caught (the goal), and where each distiller's trace stops. */
export const DETECTION_HORIZON = 2000;

/** What the content strategies send; each runs both as a script and at a person's pace. */
export const CONTENT_STRATEGIES = Object.freeze({
  'uniform-sweep': 'random real sentences and questions from the whole corpus, and "tell me about" a random WordNet noun',
  'template-expansion': '2–3 templates with swept slots (topic × audience × style × length)',
  'paraphrase': '3–8 paraphrases (synonyms, re-openings, dropped words) of each seed question',
  'reasoning-traces': 'step-by-step reasoning asked for (in the prompt or the system message) on questions and word problems, often n = 4',
  'probability-harvest': 'logprobs with top_logprobs = 20 on classification prompts over random sentences',
});
type ContentStrategy = keyof typeof CONTENT_STRATEGIES;

/** Every distiller kind, each with a line saying what it does. */
export const DISTILLER_STRATEGIES: Readonly<Record<string, string>> = Object.freeze({
  ...Object.fromEntries(Object.entries(CONTENT_STRATEGIES).flatMap(([name, what]) => [
    [name, `a script (1–4 workers at the pace of the responses): ${what}`],
    [`${name} (paced)`, `the same at a heavy user's pace: sessions in waking hours, ~200 requests a day`],
  ])),
  'adaptive-topical': 'one key that behaves like a person (sessions, waking hours, follow-ups, one topic at a time for 30–60 prompts) but covers topic after topic at ~150 requests a day',
  'slow-and-low-template': 'a template expansion split over a cohort of keys, each at a person\'s pace and hours (a few dozen requests per key)',
  'slow-and-low-uniform': 'a uniform sweep split over a cohort of keys, each at a person\'s pace and hours (a few dozen requests per key)',
});

const TEMPLATES = [
  'Write a {length} {style} explanation of {topic} for {audience}.',
  'Explain the concept of {topic} to {audience}. Use {style} language and include {count} examples.',
  'What are the {count} most important facts about {topic}? Answer in a {style} tone.',
  'Compare {topic} and {other} in terms of their {aspect}.',
  'Give me a {length} summary of {topic}, focusing on its {aspect}, suitable for {audience}.',
  'Describe the {aspect} of {topic} in a {style} way.',
];
const SLOTS: Record<string, readonly string[]> = {
  length: ['short', 'brief', 'detailed', 'long', 'one-paragraph', 'two-paragraph'],
  style: ['simple', 'formal', 'casual', 'technical', 'humorous', 'academic'],
  audience: ['a child', 'a high school student', 'an expert', 'a beginner', 'a journalist', 'a software engineer', 'a doctor', 'a lawyer'],
  count: ['two', 'three', 'four', 'five'],
  aspect: ['history', 'uses', 'risks', 'benefits', 'structure', 'cost'],
};
const REASONING = ['Think step by step and show your full reasoning before giving the final answer.', 'Explain your reasoning step by step, then state the answer.', 'Let\'s think step by step.', 'Solve this carefully, showing all of your working.', 'Reason through the problem in detail before answering.'];
const CLASSIFY = ['Classify the sentiment of the following text as positive, negative or neutral:', 'Which topic does this text belong to?', 'Is the following statement true or false?', 'Label the emotion expressed in this text:'];

/** A template with its slots filled: the topic from the sweep, the rest at random. */
function fillTemplate(random: Random, corpus: TrafficCorpus, template: string): string {
  return template.replace(/\{(\w+)\}/g, (_, slot: string) => (slot === 'topic' || slot === 'other' ? random.pick(corpus.topics).noun : random.pick(SLOTS[slot] ?? [''])));
}

/** A random prompt from anywhere in the corpus or the topic space. */
function uniformPrompt(random: Random, corpus: TrafficCorpus): string {
  if (random.chance(0.3)) return `Tell me about ${random.pick(corpus.topics).noun}.`;
  return random.chance(0.5) ? random.pick(corpus.questions) : random.pick(corpus.sentences);
}

/** An arithmetic word problem, so reasoning traces have something to reason about. */
function wordProblem(random: Random): string {
  const [a, b, c] = [random.between(2, 90), random.between(2, 12), random.between(3, 40)];
  return random.pick([
    `A train travels ${a * b} km in ${b} hours. How far does it travel in ${c} hours at the same speed?`,
    `Sam has ${a} apples, gives away ${Math.min(a, c)} and buys ${b} bags of ${c} apples each. How many apples does Sam have now?`,
    `A shop sells pens at ${b} dollars each and offers ${c}% off orders above ${a} pens. What do ${a + b} pens cost?`,
    `If ${b} workers build a wall in ${a} days, how long do ${b + c} workers take?`,
  ]);
}

/** Prompts of a single-key strategy, one per time. */
function promptsFor(strategy: ContentStrategy, random: Random, corpus: TrafficCorpus, times: readonly number[]): RequestFeatures[] {
  const templates = random.shuffle(TEMPLATES).slice(0, random.between(2, 3));
  let seed = '';
  let variantsLeft = 0;
  return times.map((at) => {
    switch (strategy) {
      case 'template-expansion':
        return chatRequest(at, [fillTemplate(random, corpus, random.pick(templates))], { temperature: 0.7, maxTokens: 600 });
      case 'paraphrase':
        if (variantsLeft-- <= 0) {
          seed = random.chance(0.6) ? random.pick(corpus.questions) : `What is ${random.pick(corpus.topics).noun} and why does it matter?`;
          variantsLeft = random.between(3, 8);
        }
        return chatRequest(at, [paraphrase(random, corpus, seed)], { temperature: 0.7 });
      case 'reasoning-traces': {
        const question = random.chance(0.5) ? wordProblem(random) : random.pick(corpus.questions);
        const instruction = random.pick(REASONING);
        const inSystem = random.chance(0.4);
        return chatRequest(at, [inSystem ? question : `${instruction}\n\n${question}`], { ...(inSystem ? { system: instruction } : {}), maxTokens: 2048, temperature: 0.8, ...(random.chance(0.3) ? { n: 4 } : {}) });
      }
      case 'probability-harvest':
        return chatRequest(at, [`${random.pick(CLASSIFY)}\n${random.pick(corpus.sentences)}`], { logprobs: true, topLogprobs: 20, maxTokens: 1, temperature: 0 });
      default:
        return chatRequest(at, [uniformPrompt(random, corpus)], { temperature: 0.7, maxTokens: 512 });
    }
  });
}

/** One content-strategy key, scripted or paced: DETECTION_HORIZON queries from a start within the first half of the span. */
function contentKey(strategy: ContentStrategy, paced: boolean, random: Random, corpus: TrafficCorpus, id: string, startMs: number, days: number): SimulatedKey {
  const start = startMs + random.float() * (days / 2) * DAY;
  const times = paced ? humanTimes(random, start, 60, 8, 25, DETECTION_HORIZON) : scriptTimes(random, start, DETECTION_HORIZON, random.between(1, 4), random.between(1500, 4000));
  return { id, group: 'distiller', kind: paced ? `${strategy} (paced)` : strategy, requests: promptsFor(strategy, random, corpus, times) };
}

/** Human-paced request times: sessions in waking hours until `count` requests (or the span ends). */
function humanTimes(random: Random, startMs: number, days: number, sessionsPerDay: number, perSession: number, count: number): number[] {
  const times: number[] = [];
  for (const start of sessionStarts(random, { sessionsPerDay, requestsPerSession: perSession, thinkMedianMs: 40_000, thinkSpread: 0.9 }, startMs, days)) {
    times.push(...sessionTimes(random, { sessionsPerDay, requestsPerSession: perSession, thinkMedianMs: 40_000, thinkSpread: 0.9 }, start));
    if (times.length >= count) break;
  }
  return times.slice(0, count);
}

/** A slow-and-low cohort: `size` keys sharing one sweep, each at a person's pace. */
function cohortKeys(strategy: 'slow-and-low-template' | 'slow-and-low-uniform', random: Random, corpus: TrafficCorpus, name: string, size: number, startMs: number, days: number): SimulatedKey[] {
  const templates = random.shuffle(TEMPLATES).slice(0, 3);
  return Array.from({ length: size }, (_, member) => {
    const own = random.fork(`${name}-${member}`);
    const times = humanTimes(own, startMs, days, 1, 5, DETECTION_HORIZON);
    const requests = times.map((at) => chatRequest(at, [strategy === 'slow-and-low-template' ? fillTemplate(own, corpus, own.pick(templates)) : uniformPrompt(own, corpus)], { temperature: 0.7, maxTokens: 512 }));
    return { id: `${name}-${member}`, group: 'distiller' as const, kind: strategy, requests };
  });
}

/** The adaptive distiller: a person's habits (sessions, follow-ups, one topic at a time), only many more of them. */
function adaptiveKey(random: Random, corpus: TrafficCorpus, id: string, startMs: number): SimulatedKey {
  const times = humanTimes(random, startMs, 60, 7, 22, DETECTION_HORIZON);
  let topic = random.pick(corpus.interestWords);
  let left = 0;
  const turns: string[] = [];
  const requests = times.map((at) => {
    if (left-- <= 0) {
      topic = random.pick(corpus.interestWords);
      left = random.between(30, 60);
    }
    const postings = corpus.interests.get(topic) ?? [];
    const sentence = corpus.sentences[postings.length > 0 ? random.pick(postings) : random.int(corpus.sentences.length)] as string;
    if (turns.length > 0 && turns.length < 6 && random.chance(0.3)) turns.push(random.pick(corpus.sentences), `And what about this: ${sentence}`);
    else turns.splice(0, turns.length, sentence);
    return chatRequest(at, turns, { temperature: 1 });
  });
  return { id, group: 'distiller', kind: 'adaptive-topical', requests };
}

/** Distiller keys: `perStrategy` of each content strategy in each pacing and of the adaptive one, plus two cohorts of `cohortSize`. */
export function distillerKeys(random: Random, corpus: TrafficCorpus, perStrategy: number, cohortSize: number, startMs: number, days: number): SimulatedKey[] {
  const keys: SimulatedKey[] = [];
  for (const strategy of Object.keys(CONTENT_STRATEGIES) as ContentStrategy[]) {
    for (const paced of [false, true]) {
      for (let index = 0; index < perStrategy; index++) {
        const id = `${strategy}${paced ? '-paced' : ''}-${index}`;
        keys.push(contentKey(strategy, paced, random.fork(id), corpus, id, startMs, days));
      }
    }
  }
  for (let index = 0; index < perStrategy; index++) keys.push(adaptiveKey(random.fork(`adaptive-${index}`), corpus, `adaptive-topical-${index}`, startMs));
  keys.push(...cohortKeys('slow-and-low-template', random.fork('cohort-template'), corpus, 'slow-and-low-template', cohortSize, startMs, days));
  keys.push(...cohortKeys('slow-and-low-uniform', random.fork('cohort-uniform'), corpus, 'slow-and-low-uniform', cohortSize, startMs, days));
  return keys;
}
