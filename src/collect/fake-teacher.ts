/**
 * A scripted in-process Teacher for collector tests: each call runs `behave`, which decides to
 * answer, fail or hang; every request is logged so tests can count what would have been paid for.
 */
import type { ChatMessage, Teacher, TeacherCompletion, TeacherRequest } from '../teacher/types.js';

/** One request the fake teacher received. */
export interface FakeCall {
  user: string;
  index: number;
  signal: AbortSignal | undefined;
}

/** What a fake teacher does with a call; return a completion or throw a TeacherError. */
export type FakeBehaviour = (call: FakeCall, request: TeacherRequest) => Promise<TeacherCompletion> | TeacherCompletion;

/** A fake teacher plus its request log and in-flight gauge. */
export interface FakeTeacher extends Teacher {
  calls: FakeCall[];
  inFlight: number;
  maxInFlight: number;
}

/** A well-formed completion whose text is `text` (a label, or junk when it names none), with the given usage; no logprobs. */
export function answer(text: string, usage: { inputTokens: number; outputTokens: number } = { inputTokens: 10, outputTokens: 1 }): TeacherCompletion {
  return {
    text, finishReason: 'stop', rawFinishReason: 'stop', usage: { ...usage, estimated: false }, warnings: [], responseId: 'fake-response',
    raw: { id: 'fake-response', choices: [{ message: { role: 'assistant', content: text }, finish_reason: 'stop' }] },
  };
}

/**
 * A completion naming `label` with one-token logprobs putting `probabilities[i]` on `labels[i]`, so the
 * classify kind reads that distribution from it.
 */
export function softAnswer(label: string, labels: readonly string[], probabilities: readonly number[]): TeacherCompletion {
  const topLogprobs = labels.map((candidate, index) => ({ token: candidate, logprob: Math.log(probabilities[index] ?? 0) }));
  return { ...answer(label), tokens: [{ token: label, logprob: Math.log(probabilities[labels.indexOf(label)] ?? 1), topLogprobs }] };
}

/** The user message of a request (what the fake keys its behaviour on). */
export function userText(messages: readonly ChatMessage[]): string {
  return messages.find((message) => message.role === 'user')?.content ?? '';
}

/** Creates a fake teacher that runs `behave` for every call. */
export function createFakeTeacher(behave: FakeBehaviour): FakeTeacher {
  const teacher: FakeTeacher = {
    specificationVersion: 'v2', provider: 'fake', modelId: 'fake-model', requestParameters: { temperature: 0 },
    calls: [], inFlight: 0, maxInFlight: 0,
    async complete(request) {
      const call: FakeCall = { user: userText(request.messages), index: teacher.calls.length, signal: request.signal };
      teacher.calls.push(call);
      teacher.inFlight++;
      teacher.maxInFlight = Math.max(teacher.maxInFlight, teacher.inFlight);
      try {
        return await behave(call, request);
      } finally {
        teacher.inFlight--;
      }
    },
  };
  return teacher;
}
