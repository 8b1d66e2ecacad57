/**
 * Simulated benign keys: people built from real sentences, each with a few interests (which is what
 * makes a person's prompts related), coming in sessions during their day. Personas: casual chat with
 * follow-ups, one-off questions with retries, developers (prompt refinement, logprobs, n, test loops),
 * students (step-by-step homework), heavy writers (pasted paragraphs), and app integrations (a fixed
 * template around their users' text, around the clock), which are reported separately.
 */
import type { TrafficCorpus } from './corpus.js';
import { refine } from './phrasing.js';
import type { Random } from './random.js';
import { chatRequest, type SimulatedKey } from './requests.js';
import { scriptTimes, serviceTimes, sessionStarts, sessionTimes, type HumanHabits } from './schedule.js';
import type { RequestFeatures } from '../../src/guard/types.js';

/** Persona names with their share of benign keys. */
export const BENIGN_PERSONAS = Object.freeze({ chatter: 0.3, asker: 0.22, developer: 0.14, student: 0.1, writer: 0.1, app: 0.14 });
/** A benign persona's name. */
export type BenignPersona = keyof typeof BENIGN_PERSONAS;

/** Requests a benign key sends at most over the simulation (an app can be busier; the rest never get there). */
const MAX_BENIGN_REQUESTS = 3000;

const FOLLOW_UPS = ['Why?', 'Can you explain that more simply?', 'Give me an example.', 'What do you mean by that?', 'Can you say more about that?', 'Thanks! And how does that work in practice?', 'Is that always true?', 'Could you make it shorter?', 'What would you recommend?', 'Interesting, tell me more.', 'How do I know if that applies to me?', 'Can you put that in a list?'];
const QUESTION_WRAPPERS = ['What do you think about this: ', 'Is it true that ', 'Explain this to me: ', 'What does this mean? ', 'Can you help me with this: ', ''];
const STEP_BY_STEP = ['Can you explain step by step: ', 'Show your working: ', 'Walk me through the reasoning: ', 'Please solve this step by step. ', 'Explain step-by-step how to answer this: '];
const WRITER_TASKS = ['Rewrite this paragraph so it flows better:', 'Summarise this in two sentences:', 'Continue this story:', 'Fix the grammar in this text:', 'Make this sound more formal:', 'What is the tone of this passage?'];
const APP_TASKS = ['Summarize this customer review in one sentence:', 'Classify the sentiment of this review as positive or negative:', 'Extract the main complaint from this review, if any:', 'Write a short, polite reply to this customer review:', 'Translate this review into French:', 'List the products mentioned in this review:', 'Rate this review from 1 to 5 stars:', 'Does this review mention the price? Answer yes or no:'];

/** What every persona draws on: its random source, the corpus and its interests. */
interface Person { random: Random; corpus: TrafficCorpus; interests: string[] }

/** A sentence about one of the person's interests (now and then about anything). */
function aboutInterest(person: Person): string {
  const { random, corpus } = person;
  if (random.chance(0.15)) return random.pick(corpus.sentences);
  const postings = corpus.interests.get(random.pick(person.interests)) ?? [];
  return corpus.sentences[postings.length > 0 ? random.pick(postings) : random.int(corpus.sentences.length)] as string;
}

/** A question about an interest: a real question when one exists, else a sentence asked about. */
function questionAbout(person: Person): string {
  const sentence = aboutInterest(person);
  return sentence.endsWith('?') ? sentence : `${person.random.pick(QUESTION_WRAPPERS)}${sentence}`;
}

/** Simulates one person's sessions; `session` writes the requests of one session. */
function sessions(person: Person, habits: HumanHabits, startMs: number, days: number, session: (times: number[]) => RequestFeatures[]): RequestFeatures[] {
  const requests: RequestFeatures[] = [];
  for (const start of sessionStarts(person.random, habits, startMs, days)) {
    if (requests.length >= MAX_BENIGN_REQUESTS) break;
    requests.push(...session(sessionTimes(person.random, habits, start)));
  }
  return requests.slice(0, MAX_BENIGN_REQUESTS).sort((a, b) => a.at - b.at);
}

/** A conversation: each turn a follow-up or another sentence on the topic, the history resent each time. */
function conversation(person: Person, times: number[], followUpShare: number): RequestFeatures[] {
  const turns: string[] = [];
  return times.map((at, index) => {
    if (index > 0) turns.push(person.random.pick(person.corpus.sentences));
    turns.push(index > 0 && person.random.chance(followUpShare) ? person.random.pick(FOLLOW_UPS) : questionAbout(person));
    return chatRequest(at, turns, { temperature: 1 });
  });
}

const chatter = (person: Person, start: number, days: number) => sessions(person, { sessionsPerDay: 1.2, requestsPerSession: 4, thinkMedianMs: 60_000, thinkSpread: 0.8 }, start, days, (times) => conversation(person, times, 0.5));

function asker(person: Person, start: number, days: number): RequestFeatures[] {
  return sessions(person, { sessionsPerDay: 0.9, requestsPerSession: 2.5, thinkMedianMs: 90_000, thinkSpread: 1 }, start, days, (times) => times.flatMap((at) => {
    const prompt = questionAbout(person);
    const first = chatRequest(at, [prompt]);
    // A retry: the same request again a few seconds later (a timeout, an impatient click).
    return person.random.chance(0.06) ? [first, chatRequest(at + person.random.between(3_000, 20_000), [prompt])] : [first];
  }));
}

function developer(person: Person, start: number, days: number): RequestFeatures[] {
  const { random, corpus } = person;
  const system = `You are a helpful assistant for questions about ${random.pick(person.interests)}.`;
  return sessions(person, { sessionsPerDay: 1.5, requestsPerSession: 10, thinkMedianMs: 25_000, thinkSpread: 0.9 }, start, days, (times) => {
    // Now and then a test loop: one instruction over a few dozen inputs a second apart, and rarely an
    // evaluation run over a few hundred (a benign batch job looks like a small harvest).
    if (random.chance(0.12)) {
      const task = random.pick(APP_TASKS);
      const count = random.chance(0.2) ? random.between(100, 400) : random.between(15, 40);
      return scriptTimes(random, times[0] as number, count, random.between(1, 2), random.between(800, 2500)).map((at) => chatRequest(at, [`${task}\n\n${random.pick(corpus.reviews)}`], { temperature: 0, maxTokens: 50 }));
    }
    let prompt = questionAbout(person);
    return times.map((at) => {
      prompt = random.chance(0.4) ? refine(random, corpus, prompt) : questionAbout(person);
      const probabilities = random.chance(0.12);
      return chatRequest(at, [prompt], { system, temperature: random.pick([0, 0.2, 0.7, 1]), ...(probabilities ? { logprobs: true, topLogprobs: 5 } : {}), ...(random.chance(0.04) ? { n: 3 } : {}) });
    });
  });
}

function student(person: Person, start: number, days: number): RequestFeatures[] {
  return sessions(person, { sessionsPerDay: 0.7, requestsPerSession: 5, thinkMedianMs: 80_000, thinkSpread: 0.8 }, start, days, (times) => {
    const turns: string[] = [];
    return times.map((at, index) => {
      if (index > 0 && person.random.chance(0.4)) {
        turns.push(person.random.pick(person.corpus.sentences), person.random.pick(FOLLOW_UPS));
        return chatRequest(at, turns);
      }
      turns.length = 0;
      turns.push(person.random.chance(0.35) ? `${person.random.pick(STEP_BY_STEP)}${questionAbout(person)}` : questionAbout(person));
      return chatRequest(at, turns);
    });
  });
}

function writer(person: Person, start: number, days: number): RequestFeatures[] {
  return sessions(person, { sessionsPerDay: 2.5, requestsPerSession: 12, thinkMedianMs: 45_000, thinkSpread: 0.9 }, start, days, (times) => {
    const turns: string[] = [];
    return times.map((at, index) => {
      if (index > 0 && person.random.chance(0.3)) {
        turns.push(person.random.pick(person.corpus.sentences), person.random.pick(FOLLOW_UPS));
        return chatRequest(at, turns, { maxTokens: 800 });
      }
      const paragraph = Array.from({ length: person.random.between(2, 5) }, () => aboutInterest(person)).join(' ');
      turns.length = 0;
      turns.push(`${person.random.pick(WRITER_TASKS)}\n\n${paragraph}`);
      return chatRequest(at, turns, { maxTokens: 800 });
    });
  });
}

/** An app: its own fixed system prompt and instruction around its users' reviews and messages. */
function app(person: Person, start: number, days: number): RequestFeatures[] {
  const { random, corpus } = person;
  const task = random.pick(APP_TASKS);
  const system = `You are the assistant of ${random.pick(['an online shop', 'a review site', 'a support desk', 'a marketplace'])}. Answer in plain text.`;
  const probabilities = random.chance(0.3);
  return serviceTimes(random, start, days, random.between(30, 120), MAX_BENIGN_REQUESTS).map((at) => {
    const text = random.chance(0.7) ? random.pick(corpus.reviews) : random.pick(corpus.sentences);
    return chatRequest(at, [`${task}\n\n${text}`], { system, temperature: 0, maxTokens: 100, ...(probabilities ? { logprobs: true, topLogprobs: 3 } : {}) });
  });
}

const PERSONAS: Record<BenignPersona, (person: Person, start: number, days: number) => RequestFeatures[]> = { chatter, asker, developer, student, writer, app };

/** `count` benign keys with personas in BENIGN_PERSONAS's proportions, over `days` from `startMs`. */
export function benignKeys(random: Random, corpus: TrafficCorpus, count: number, startMs: number, days: number): SimulatedKey[] {
  const names = Object.keys(BENIGN_PERSONAS) as BenignPersona[];
  const keys: SimulatedKey[] = [];
  let index = 0;
  for (const persona of names) {
    const share = BENIGN_PERSONAS[persona];
    const quota = persona === names[names.length - 1] ? count - keys.length : Math.round(count * share);
    for (let member = 0; member < quota; member++, index++) {
      const own = random.fork(`benign-${index}`);
      const person: Person = { random: own, corpus, interests: Array.from({ length: own.between(2, 4) }, () => own.pick(corpus.interestWords)) };
      keys.push({ id: `benign-${persona}-${member}`, group: 'benign', kind: persona, requests: PERSONAS[persona](person, startMs, days) });
    }
  }
  return keys;
}
