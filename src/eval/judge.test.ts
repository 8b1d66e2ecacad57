/**
 * The judge end to end against a scripted judge: a real loopback OpenAI-compatible server (node:http)
 * whose answers are scripted per test, reached through the OpenAI teacher, the store cache and the
 * collector's budget, exactly as a run would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Budget } from '../collect/budget.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { createOpenAITeacher } from '../teacher/openai-teacher.js';
import { costUSD } from '../teacher/prices.js';
import { estimateInputTokens } from '../teacher/tokens.js';
import type { ChatMessage } from '../teacher/types.js';
import { createStoreJudgeCall, JudgeBudgetError } from './judge-call.js';
import { combineVerdicts, judgeMessages, judgePairs, parseVerdict, type JudgeCall, type JudgePair } from './judge.js';

/** A scripted judge: reads the chat request, returns the judge's text (or an HTTP error status to fail with). */
type JudgeScript = (messages: ChatMessage[]) => string | { status: number };

interface ScriptedJudgeServer {
  baseURL: string;
  requests: ChatMessage[][];
  close(): Promise<void>;
}

/** Starts a loopback OpenAI-compatible server that answers every chat completion with the script's text. */
async function startScriptedJudgeServer(script: JudgeScript): Promise<ScriptedJudgeServer> {
  const requests: ChatMessage[][] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: ChatMessage[]; model: string };
      requests.push(body.messages);
      const text = script(body.messages);
      if (typeof text !== 'string') {
        response.writeHead(text.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: 'scripted failure', type: 'server_error' } }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({
        id: `chatcmpl-judge-${requests.length}`, object: 'chat.completion', created: 0, model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
      }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseURL: `http://127.0.0.1:${port}/v1`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The two answers of a judge request, as the prompt shows them. */
function answersOf(messages: ChatMessage[]): { a: string; b: string } {
  const user = messages.find((message) => message.role === 'user')?.content ?? '';
  const a = /\[The Start of Assistant A's Answer\]\n([\s\S]*?)\n\[The End of Assistant A's Answer\]/.exec(user)?.[1] ?? '';
  const b = /\[The Start of Assistant B's Answer\]\n([\s\S]*?)\n\[The End of Assistant B's Answer\]/.exec(user)?.[1] ?? '';
  return { a, b };
}

/** A fair scripted judge: the answer containing "good" wins; both or neither, a tie. */
const fairJudge = (messages: ChatMessage[]): string => {
  const { a, b } = answersOf(messages);
  const aGood = a.includes('good');
  const bGood = b.includes('good');
  if (aGood === bGood) return 'Both are equally fine. [[C]]';
  return `The format asks for "[[A]]" or "[[B]]". Here ${aGood ? 'A' : 'B'} is right. Final verdict: [[${aGood ? 'A' : 'B'}]]`;
};

const PAIRS: JudgePair[] = [
  { inputId: 'i0', input: 'Capital of France?', teacher: 'It is Lyon.', student: 'Paris, good.' },
  { inputId: 'i1', input: 'Two plus two?', teacher: 'Four, good.', student: 'Five.' },
  { inputId: 'i2', input: 'Colour of the sky?', teacher: 'Blue, good.', student: 'Blue; good.' },
  { inputId: 'i3', input: 'Say hi.', teacher: 'Hi!', student: ' Hi!\n' },
];

const PRICES = { inputPer1M: 1, outputPer1M: 2 };
// The server reports 100 input and 20 output tokens: $0.00014 a call.
const CALL_USD = (100 * 1 + 20 * 2) / 1_000_000;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh store holding the pairs' inputs, a scripted judge server, and the store-backed judge call over it. */
async function setUp(script: JudgeScript, maxUSD = 1): Promise<{ server: ScriptedJudgeServer; store: Store; call: JudgeCall; budget: Budget }> {
  const folder = mkdtempSync(join(tmpdir(), 'distillery-judge-'));
  const store = openSqliteStore(join(folder, 'store.sqlite'));
  const server = await startScriptedJudgeServer(script);
  cleanups.push(() => rmSync(folder, { recursive: true, force: true }), () => store.close(), () => server.close());
  await store.addInputs(PAIRS.map((pair) => ({ id: pair.inputId ?? '', text: pair.input, gold: null, source: 'test' })));
  const budget = new Budget(maxUSD, await store.ledger());
  const judge = createOpenAITeacher({ baseURL: server.baseURL, model: 'judge-model', apiKey: 'sk-test', logprobs: false, topLogprobs: 0, temperature: 0, maxTokens: 512, timeoutMs: 5_000 });
  const call = createStoreJudgeCall({ judge, store, budget, costUSD: (usage) => costUSD(usage, PRICES), maxOutputTokens: 512 });
  return { server, store, call, budget };
}

describe('judge against a scripted judge server (loopback, OpenAI-compatible)', () => {
  it('a fair scripted judge: win, loss and tie, each pair judged in both orders, lengths beside', async () => {
    const { server, call } = await setUp(fairJudge);
    const summary = await judgePairs(PAIRS, call);
    // The fourth pair's answers are the same text: a tie without a call.
    expect(summary.judged.map((pair) => pair.outcome)).toEqual(['win', 'loss', 'tie', 'tie']);
    expect(summary.judged[0]).toMatchObject({ studentFirst: 'A', teacherFirst: 'B' });
    expect([summary.wins, summary.ties, summary.losses, summary.unparseable]).toEqual([1, 2, 1, 0]);
    expect(summary.winRate).toBeCloseTo(1 / 4, 12);
    expect(summary.calls).toBe(6);
    expect(server.requests).toHaveLength(6);
    expect(summary.costUSD).toBeCloseTo(6 * CALL_USD, 12);
    // Student: "Paris, good." 12 chars 2 words, "Five." 5/1, "Blue; good." 11/2, " Hi!\n" 5/1;
    // teacher: "It is Lyon." 11/3, "Four, good." 11/2, "Blue, good." 11/2, "Hi!" 3/1.
    expect(summary.lengths.student).toEqual({ meanCharacters: 33 / 4, meanWords: 6 / 4 });
    expect(summary.lengths.teacher).toEqual({ meanCharacters: 36 / 4, meanWords: 8 / 4 });
    // The second order swaps the answers.
    const [first, second] = server.requests.filter((messages) => answersOf(messages).a.startsWith('Paris') || answersOf(messages).b.startsWith('Paris'));
    expect(answersOf(first ?? [])).toEqual({ a: 'Paris, good.', b: 'It is Lyon.' });
    expect(answersOf(second ?? [])).toEqual({ a: 'It is Lyon.', b: 'Paris, good.' });
  });

  it('a position-biased scripted judge (always [[A]]) shows as ties, never wins or losses', async () => {
    const { call } = await setUp(() => 'The first answer is better. [[A]]');
    const summary = await judgePairs(PAIRS, call);
    expect([summary.wins, summary.ties, summary.losses]).toEqual([0, 4, 0]);
  });

  it('a position-biased scripted judge (always [[B]]) also shows as ties', async () => {
    const { call } = await setUp(() => '[[B]]');
    const summary = await judgePairs(PAIRS, call);
    expect([summary.wins, summary.ties, summary.losses]).toEqual([0, 4, 0]);
  });

  it('a scripted judge without a verdict token is counted unparseable and left out of the rates', async () => {
    const { call } = await setUp((messages) => (answersOf(messages).a.startsWith('Paris') ? 'I prefer the first one.' : fairJudge(messages)));
    const summary = await judgePairs(PAIRS, call);
    expect(summary.judged.map((pair) => pair.outcome)).toEqual(['unparseable', 'loss', 'tie', 'tie']);
    expect(summary.unparseable).toBe(1);
    expect(summary.lossRate).toBeCloseTo(1 / 3, 12);
  });

  it('judge answers are cached in the store by request key: a second run sends nothing and costs nothing', async () => {
    const { server, call } = await setUp(fairJudge);
    const first = await judgePairs(PAIRS, call);
    const again = await judgePairs(PAIRS, call);
    expect(server.requests).toHaveLength(6);
    expect(again.costUSD).toBe(0);
    expect(again.judged).toEqual(first.judged);
  });

  it('the judge spends inside the budget: the worst case is checked before each call and the ledger holds what was spent', async () => {
    // A budget of one call's worst case plus half an actual call: the first call fits, the second's worst case does not.
    const firstMessages = judgeMessages(PAIRS[0]?.input ?? '', PAIRS[0]?.student ?? '', PAIRS[0]?.teacher ?? '');
    const worstCaseUSD = costUSD({ inputTokens: estimateInputTokens(firstMessages), outputTokens: 512 }, PRICES);
    const { server, call, store, budget } = await setUp(fairJudge, worstCaseUSD + CALL_USD / 2);
    await expect(judgePairs(PAIRS, call, { concurrency: 1 })).rejects.toBeInstanceOf(JudgeBudgetError);
    expect(server.requests.length).toBe(1);
    expect(budget.spentUSD).toBeCloseTo(CALL_USD, 12);
    expect((await store.ledger()).committedUSD).toBeCloseTo(CALL_USD, 12);
    await expect(judgePairs(PAIRS, call, { concurrency: 1 })).rejects.toMatchObject({ exitCode: 3 });
  });
});

describe('judge call failures (scripted judge server)', () => {
  it('a scripted judge server failing with HTTP 500: the error propagates and the budget and ledger keep the worst case', async () => {
    const { server, call, store, budget } = await setUp(() => ({ status: 500 }));
    await expect(judgePairs(PAIRS.slice(0, 1), call)).rejects.toThrow();
    expect(server.requests).toHaveLength(1);
    expect(budget.reservedUSD).toBe(0);
    expect(budget.spentUSD).toBeGreaterThan(CALL_USD);
    expect((await store.listReservations())).toEqual([]);
    const billed = await store.listBilledAttempts();
    expect(billed.map((attempt) => attempt.billedUSD)).toEqual([budget.spentUSD]);
  });

  it('a judge call without an input id is refused before anything is sent', async () => {
    const { server, call } = await setUp(fairJudge);
    await expect(call(judgeMessages('q', 'a', 'b'), {})).rejects.toThrow(/input id/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('verdicts', () => {
  it.each([
    ['[[A]]', 'A'],
    ['Assistant B is more accurate.\n\n[[B]]', 'B'],
    ['[[ c ]]', 'tie'],
    ['[[tie]]', 'tie'],
    ['Output "[[A]]" if A is better... My verdict: [[B]]', 'B'],
    ['**A**', 'unparseable'],
    ['', 'unparseable'],
    ['[A]', 'unparseable'],
  ])('parseVerdict(%j) is %s', (text, verdict) => {
    expect(parseVerdict(text)).toBe(verdict);
  });

  it.each([
    ['A', 'B', 'win'],
    ['B', 'A', 'loss'],
    ['A', 'A', 'tie'],
    ['B', 'B', 'tie'],
    ['A', 'tie', 'tie'],
    ['tie', 'tie', 'tie'],
    ['unparseable', 'B', 'unparseable'],
  ] as const)('student-first %s, teacher-first %s → %s', (studentFirst, teacherFirst, outcome) => {
    expect(combineVerdicts(studentFirst, teacherFirst)).toBe(outcome);
  });

  it('the prompt asks for the MT-Bench verdict tokens and shows the question and both answers', () => {
    const [system, user] = judgeMessages('Q?', 'first', 'second');
    expect(system?.content).toContain('"[[A]]" if assistant A is better');
    expect(system?.content).toContain('"[[C]]" for a tie');
    expect(user?.content).toBe("[User Question]\nQ?\n\n[The Start of Assistant A's Answer]\nfirst\n[The End of Assistant A's Answer]\n\n[The Start of Assistant B's Answer]\nsecond\n[The End of Assistant B's Answer]");
  });
});
