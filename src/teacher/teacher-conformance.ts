/**
 * The one test suite every `Teacher` implementation runs, in the manner of the Store's
 * (store-conformance.ts): recorded responses — well-formed, malformed, truncated and unusual shapes
 * real servers send (fixtures in __fixtures__/) — and what the seam promises about each. A provider
 * either maps a response to a valid TeacherCompletion (read here with the classify kind, as the
 * collector does) or rejects with a TeacherError; a 2xx it cannot use is a billed, non-retryable
 * TeacherResponseError carrying the usage the body reported, if any. Each provider brings cases in
 * its own wire format (`TEACHER_CONFORMANCE_CASES` for OpenAI-compatible servers).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readClassifyAnswer } from '../task/kinds/classify.js';
import type { AnswerReading } from '../task/kinds/types.js';
import { TeacherError, TeacherResponseError, type ReportedUsage } from './errors.js';
import type { ChatMessage, Teacher, TeacherCompletion, TeacherRequest, TeacherUsage } from './types.js';

/** A completion read as a label (as the collector's classify kind reads it), with its usage and id. */
export type ClassifiedCompletion = AnswerReading & { usage: TeacherUsage; responseId: string | null; completion: TeacherCompletion };

/** Asks `teacher` for a completion and reads it with the classify kind over `labels`. */
export async function classifyWith(teacher: Teacher, request: TeacherRequest & { labels: readonly string[] }): Promise<ClassifiedCompletion> {
  const completion = await teacher.complete({ messages: request.messages, ...(request.signal === undefined ? {} : { signal: request.signal }) });
  return { ...readClassifyAnswer(completion, request.labels), usage: completion.usage, responseId: completion.responseId, completion };
}

/** One recorded answer of a provider, as it arrived on the wire. */
export interface RecordedResponse {
  /** The fixture file it was read from. */
  fixture: string;
  status: number;
  contentType: string;
  body: string;
  /** The connection is cut half-way through the body (headers promised all of it). */
  cutMidBody: boolean;
}

/** Puts a provider in front of recorded responses. */
export interface TeacherConformanceHarness {
  /** A teacher whose every call gets `response`, and how to release what it holds. */
  open(response: RecordedResponse): Promise<{ teacher: Teacher; close: () => Promise<void> }>;
}

/** What the seam promises for one recorded response. */
type Expectation =
  | { answer: { kind: 'label' | 'junk'; label: string | null; soft: boolean; usage: ReportedUsage; warning?: RegExp } }
  | { billed: { usage: ReportedUsage | null } };

/** One case: a fixture, how it is served, the labels asked for, and what must come of it. */
export interface ConformanceCase {
  name: string;
  fixture: string;
  contentType?: string;
  cutMidBody?: boolean;
  labels?: readonly string[];
  expect: Expectation;
}

const SENTIMENT = ['positive', 'negative', 'neutral'] as const;

/** The cases, well-formed first. */
export const TEACHER_CONFORMANCE_CASES: readonly ConformanceCase[] = [
  { name: 'a completion with logprobs', fixture: 'openai-chat-logprobs-sentiment.json', expect: { answer: { kind: 'label', label: 'positive', soft: true, usage: { inputTokens: 42, outputTokens: 1 } } } },
  { name: 'an answer that names no label (junk)', fixture: 'openai-chat-junk.json', expect: { answer: { kind: 'junk', label: null, soft: false, usage: { inputTokens: 42, outputTokens: 6 } } } },
  { name: 'a completion without logprobs (Ollama)', fixture: 'ollama-chat-no-logprobs.json', expect: { answer: { kind: 'label', label: 'negative', soft: false, usage: { inputTokens: 61, outputTokens: 2 } } } },
  {
    name: 'a shared first token split by the next position (c / cpp / cs)', fixture: 'openai-chat-logprobs-shared-prefix.json', labels: ['c', 'cpp', 'cs', 'java', 'python'],
    expect: { answer: { kind: 'label', label: 'cpp', soft: true, usage: { inputTokens: 57, outputTokens: 2 } } },
  },
  { name: 'logprobs: null', fixture: 'openai-chat-null-logprobs.json', expect: { answer: { kind: 'label', label: 'neutral', soft: false, usage: { inputTokens: 40, outputTokens: 1 } } } },
  {
    name: 'top_logprobs entries without a token', fixture: 'openai-chat-missing-token.json',
    expect: { answer: { kind: 'label', label: 'negative', soft: true, usage: { inputTokens: 37, outputTokens: 1 }, warning: /without a token/ } },
  },
  { name: 'content as an array of parts', fixture: 'openai-chat-content-array.json', expect: { answer: { kind: 'label', label: 'positive', soft: false, usage: { inputTokens: 44, outputTokens: 2 } } } },
  {
    name: 'logprobs of -9999 (outside the top 20)', fixture: 'openai-chat-outside-top-k.json',
    expect: { answer: { kind: 'label', label: 'neutral', soft: true, usage: { inputTokens: 42, outputTokens: 1 }, warning: /outside the top/ } },
  },
  { name: 'empty choices', fixture: 'openai-chat-empty-choices.json', expect: { billed: { usage: { inputTokens: 42, outputTokens: 0 } } } },
  { name: 'an error body with status 200', fixture: 'openai-chat-error-200.json', expect: { billed: { usage: null } } },
  { name: 'a non-JSON 200 (an HTML error page)', fixture: 'non-json-200.html', contentType: 'text/html', expect: { billed: { usage: null } } },
  { name: 'a truncated JSON body', fixture: 'openai-chat-truncated.txt', expect: { billed: { usage: null } } },
  { name: 'a connection cut mid-body', fixture: 'openai-chat-logprobs-sentiment.json', cutMidBody: true, expect: { billed: { usage: null } } },
  { name: 'an event stream where JSON was expected', fixture: 'openai-chat-event-stream.sse', contentType: 'text/event-stream', expect: { billed: { usage: { inputTokens: 42, outputTokens: 1 } } } },
];

/** Reads a case's recorded response from __fixtures__/. */
export function recordedResponse(testCase: Pick<ConformanceCase, 'fixture' | 'contentType' | 'cutMidBody'>): RecordedResponse {
  return {
    fixture: testCase.fixture, status: 200, contentType: testCase.contentType ?? 'application/json',
    body: readFileSync(new URL(`__fixtures__/${testCase.fixture}`, import.meta.url), 'utf8'), cutMidBody: testCase.cutMidBody === true,
  };
}

/** Checks what every completion must be, whatever the response. */
function expectValidCompletion(completion: TeacherCompletion): void {
  expect(['stop', 'length', 'content_filter', 'tool_calls', 'other']).toContain(completion.finishReason);
  expect(completion.rawFinishReason === null || typeof completion.rawFinishReason === 'string').toBe(true);
  expect(completion.raw).toBeDefined();
  // Kept in the store as JSON: it must survive the round trip.
  expect(JSON.parse(JSON.stringify(completion)) as unknown).toEqual(completion);
  for (const token of completion.tokens ?? []) {
    expect(typeof token.token === 'string' && Number.isFinite(token.logprob)).toBe(true);
    expect(token.topLogprobs.every((alternative) => typeof alternative.token === 'string' && typeof alternative.logprob === 'number')).toBe(true);
  }
  if (completion.usage.reasoningTokens !== undefined) expect(completion.usage.reasoningTokens).toBeLessThanOrEqual(completion.usage.outputTokens);
}

/** Checks what every classify reading must be, whatever the response. */
function expectValidResult(result: ClassifiedCompletion, labels: readonly string[]): void {
  expectValidCompletion(result.completion);
  expect(['label', 'junk']).toContain(result.kind);
  if (result.kind === 'label') expect(labels).toContain(result.label);
  else expect(result).toMatchObject({ label: null, distribution: null });
  if (result.distribution !== null) {
    expect(result.distribution).toHaveLength(labels.length);
    expect(result.distribution.every((p) => Number.isFinite(p) && p >= 0 && p <= 1)).toBe(true);
    expect(result.distribution.reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 9);
  }
  if (result.tailMass !== null) expect(result.tailMass >= 0 && result.tailMass <= 1).toBe(true);
  expect(typeof result.text).toBe('string');
  expect(Number.isInteger(result.usage.inputTokens) && result.usage.inputTokens >= 0).toBe(true);
  expect(Number.isInteger(result.usage.outputTokens) && result.usage.outputTokens >= 0).toBe(true);
  expect(result.warnings.every((warning) => typeof warning === 'string')).toBe(true);
}

const messages: ChatMessage[] = [{ role: 'system', content: 'Answer with one label.' }, { role: 'user', content: 'I loved it' }];

/** Registers the shared Teacher conformance suite under `name`, over `cases` in the provider's wire format. */
export function describeTeacherConformance(name: string, harness: TeacherConformanceHarness, cases: readonly ConformanceCase[] = TEACHER_CONFORMANCE_CASES): void {
  describe(`Teacher conformance: ${name}`, () => {
    for (const testCase of cases) {
      const labels = testCase.labels ?? SENTIMENT;
      it(`${testCase.name} (${testCase.fixture}${testCase.cutMidBody === true ? ', cut' : ''})`, async () => {
        const { teacher, close } = await harness.open(recordedResponse(testCase));
        try {
          expect(teacher.specificationVersion).toBe('v2');
          const parameters = JSON.stringify(teacher.requestParameters);
          const outcome = await classifyWith(teacher, { messages, labels }).then((result) => ({ result }), (error: unknown) => ({ error }));
          // Cache keys are computed before calling: no response may change them.
          expect(JSON.stringify(teacher.requestParameters)).toBe(parameters);
          if ('error' in outcome) expect(outcome.error).toBeInstanceOf(TeacherError);
          if ('answer' in testCase.expect) {
            const expected = testCase.expect.answer;
            if (!('result' in outcome)) throw outcome.error;
            expectValidResult(outcome.result, labels);
            expect(outcome.result).toMatchObject({ kind: expected.kind, label: expected.label, usage: { ...expected.usage, estimated: false } });
            expect(outcome.result.distribution !== null).toBe(expected.soft);
            if (expected.warning !== undefined) expect(outcome.result.warnings.join(' ')).toMatch(expected.warning);
          } else {
            if (!('error' in outcome)) throw new Error(`expected a billed TeacherResponseError, got ${JSON.stringify(outcome.result)}`);
            expect(outcome.error).toBeInstanceOf(TeacherResponseError);
            const error = outcome.error as TeacherResponseError;
            expect(error.isRetryable).toBe(false);
            expect(error.usage).toEqual(testCase.expect.billed.usage);
          }
        } finally {
          await close();
        }
      });
    }
  });
}
