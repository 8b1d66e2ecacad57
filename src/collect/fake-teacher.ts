/**
 * A scripted in-process Teacher for collector tests: each call runs `behave`, which decides to
 * answer, fail or hang; every request is logged so tests can count what would have been paid for.
 */
import type { ChatMessage, Teacher, TeacherRequest, TeacherResult } from '../teacher/types.js';

/** One request the fake teacher received. */
export interface FakeCall {
  user: string;
  index: number;
  signal: AbortSignal | undefined;
}

/** What a fake teacher does with a call; return a result or throw a TeacherError. */
export type FakeBehaviour = (call: FakeCall, request: TeacherRequest) => Promise<TeacherResult> | TeacherResult;

/** A fake teacher plus its request log and in-flight gauge. */
export interface FakeTeacher extends Teacher {
  calls: FakeCall[];
  inFlight: number;
  maxInFlight: number;
}

/** A well-formed answer naming `label`, with the given usage. */
export function answer(label: string, usage: { inputTokens: number; outputTokens: number } = { inputTokens: 10, outputTokens: 1 }): TeacherResult {
  return {
    kind: 'label', label, distribution: [0.9, 0.1], tailMass: 0.01, text: label,
    usage: { ...usage, estimated: false }, warnings: [], responseId: 'fake-response',
  };
}

/** The user message of a request (what the fake keys its behaviour on). */
export function userText(messages: readonly ChatMessage[]): string {
  return messages.find((message) => message.role === 'user')?.content ?? '';
}

/** Creates a fake teacher that runs `behave` for every call. */
export function createFakeTeacher(behave: FakeBehaviour): FakeTeacher {
  const teacher: FakeTeacher = {
    specificationVersion: 'v1', provider: 'fake', modelId: 'fake-model', requestParameters: { temperature: 0 },
    calls: [], inFlight: 0, maxInFlight: 0,
    async classify(request) {
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
