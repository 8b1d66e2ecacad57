/**
 * Captured production calls as a task's inputs and answers. Production already paid the teacher for
 * these answers; `distillery run` on a capture store recovers each call's input by inverting the task's
 * prompt template, and stores the answer under the request's cache key, so collection finds it cached
 * and pays nothing for it. Only an answer to exactly the request the task would send, from the task's
 * teacher model, is reused: anything else would be a different question, and is asked again.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CaptureStore, type CaptureQuery, type StoredCall } from '../capture/capture-store.js';
import { InputError } from '../data/input-error.js';
import { inputId, type ReadInputsResult } from '../data/read-inputs.js';
import type { LoadedTask } from '../task/load.js';
import { buildMessages, templateFieldNames } from '../task/template.js';
import { compileTemplateInverter } from '../task/template-inversion.js';
import { answerReader } from '../task/task-kind.js';
import { readSafely } from '../task/kinds/read-safely.js';
import type { InputRecord, ResponseRecord, Store } from '../store/types.js';
import { mapChatCompletion } from '../teacher/openai-response.js';
import { requestKey } from '../teacher/request-key.js';
import type { ChatMessage, TeacherCompletion } from '../teacher/types.js';
import type { ResolvedTeacher } from './make-teacher.js';

/** One captured answer that can stand for the teacher's: the request the task would send, and what came back. */
export interface CapturedAnswer {
  inputId: string;
  messages: ChatMessage[];
  /** The model the app asked (null when the request named none). */
  model: string | null;
  call: StoredCall;
}

/** How the captured calls were used. */
export interface CaptureCounts {
  /** Calls in the store that matched the task's capture filters. */
  calls: number;
  /** Calls whose messages are the task's prompt with some input in it. */
  matched: number;
  /** Calls whose messages are not the task's prompt (another feature of the app, another prompt version). */
  unmatched: number;
  /** Calls that failed or have no answer: their inputs are kept, their answers are not. */
  unanswered: number;
  /** Calls repeating an input already seen (the first answer is kept). */
  repeats: number;
}

/** What reading a capture store produced, beside the usual input records. */
export interface CapturedInputs extends ReadInputsResult {
  answers: CapturedAnswer[];
  counts: CaptureCounts;
}

/** Whether the task's inputs are a capture store (`format: capture`, or a `.sqlite`/`.db` path under `auto`). */
export function readsCapture(task: LoadedTask): boolean {
  const { format, path: file } = task.spec.inputs;
  return format === 'capture' || (format === 'auto' && /\.(sqlite|sqlite3|db)$/i.test(file));
}

/** The capture filters of the task file as a store query. */
function queryOf(task: LoadedTask): CaptureQuery {
  const settings = task.spec.inputs.capture ?? {};
  return {
    ...(settings.tag === undefined ? {} : { tag: settings.tag }),
    ...(settings.model === undefined ? {} : { model: settings.model }),
    ...(settings.since === undefined ? {} : { since: Date.parse(settings.since) }),
    ...(settings.until === undefined ? {} : { until: Date.parse(settings.until) }),
  };
}

/** A request's messages with their content as text (content parts joined), or null when it has none. */
function requestMessages(request: unknown): Array<{ role: string; content: string }> | null {
  const messages = (request as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return null;
  const result: Array<{ role: string; content: string }> = [];
  for (const message of messages as Array<{ role?: unknown; content?: unknown }>) {
    if (typeof message?.role !== 'string') return null;
    const { content } = message;
    if (typeof content === 'string') result.push({ role: message.role, content });
    else if (Array.isArray(content)) result.push({ role: message.role, content: content.map((part: { text?: unknown }) => (typeof part?.text === 'string' ? part.text : '')).join('') });
    else return null;
  }
  return result;
}

/** Whether a call's answer can be reused: it succeeded and holds a chat completion's first choice. */
function answered(call: StoredCall): boolean {
  const choices = (call.response as { choices?: unknown } | null)?.choices;
  return call.status === 200 && Array.isArray(choices) && choices.length > 0;
}

/** Opens the task's capture store; a missing file is an input error naming it. */
function openCapture(task: LoadedTask): CaptureStore {
  const file = path.resolve(task.baseDir, task.spec.inputs.path);
  if (!existsSync(file)) throw new InputError(`${task.spec.inputs.path}: no such capture store (write one with \`distillery capture --upstream URL\`)`, file);
  return new CaptureStore(file);
}

/** Reads a capture store's calls as inputs (by inverting the task's prompt) and the answers that came with them. */
export async function readCapturedInputs(task: LoadedTask): Promise<CapturedInputs> {
  const { spec } = task;
  const promptFields = templateFieldNames(spec.prompt.messages).filter((name) => name !== 'text' && name !== 'labels');
  const invert = compileTemplateInverter(spec.prompt.messages, spec.labels);
  const store = openCapture(task);
  let calls: StoredCall[];
  try {
    calls = store.query(queryOf(task));
  } finally {
    await store.close();
  }
  const counts: CaptureCounts = { calls: calls.length, matched: 0, unmatched: 0, unanswered: 0, repeats: 0 };
  const records: InputRecord[] = [];
  const answers: CapturedAnswer[] = [];
  const seen = new Map<string, boolean>();
  for (const call of calls) {
    const messages = requestMessages(call.request);
    const match = messages === null ? null : invert(messages);
    if (match === null || match.text.trim() === '') {
      counts.unmatched++;
      continue;
    }
    counts.matched++;
    const id = inputId(match.text, match.fields, promptFields);
    const hasAnswer = answered(call);
    if (!hasAnswer) counts.unanswered++;
    if (seen.has(id)) {
      counts.repeats++;
      if (seen.get(id) === true || !hasAnswer) continue;
    } else {
      records.push({ id, text: match.text, gold: null, source: `${spec.inputs.path}#call-${call.id}`, ...(promptFields.length === 0 ? {} : { fields: match.fields }) });
    }
    seen.set(id, hasAnswer);
    if (hasAnswer) answers.push({ inputId: id, messages: buildMessages(spec, match.text, match.fields), model: call.model, call });
  }
  const warnings = counts.unmatched === 0 ? [] : [`${counts.unmatched} of ${counts.calls} captured calls do not carry the task's prompt (another prompt, or another feature of the app) and were skipped`];
  return { records, warnings, missingFields: [], availableFields: [], answers, counts };
}

/** Whether a captured answer can stand for the teacher's answer to `messages`: same model, and the app sent exactly the task's request. */
export function reusable(answer: CapturedAnswer, resolved: ResolvedTeacher): boolean {
  if (answer.model !== null && answer.model !== resolved.teacher.modelId) return false;
  const sent = requestMessages(answer.call.request);
  return sent !== null && sent.length === answer.messages.length && sent.every((message, index) => {
    const expected = answer.messages[index];
    return expected !== undefined && message.content === expected.content && (message.role === expected.role || (message.role === 'developer' && expected.role === 'system'));
  });
}

/** The captured answer as the teacher's completion; null when its body is not a chat completion after all. */
function completionOf(answer: CapturedAnswer): TeacherCompletion | null {
  try {
    return mapChatCompletion(answer.call.response, { messages: answer.messages, askedForLogprobs: false, requestId: null, warnings: [] });
  } catch {
    return null;
  }
}

/** What storing captured answers did. */
export interface CapturedAnswerImport {
  /** Answers stored now (the teacher will not be asked these). */
  reused: number;
  /** Answers stored by an earlier run. */
  alreadyStored: number;
  /** Answers from another model than the task's teacher, or to a different request: asked again. */
  notReusable: number;
}

/**
 * Stores each reusable captured answer under the cache key of the request the task sends, at no cost
 * to this run (production paid for it), so that collection skips it. Idempotent.
 */
export async function storeCapturedAnswers(task: LoadedTask, store: Store, resolved: ResolvedTeacher, answers: readonly CapturedAnswer[]): Promise<CapturedAnswerImport> {
  const reader = answerReader(task.spec);
  const result: CapturedAnswerImport = { reused: 0, alreadyStored: 0, notReusable: 0 };
  for (const answer of answers) {
    const completion = reusable(answer, resolved) ? completionOf(answer) : null;
    if (completion === null) {
      result.notReusable++;
      continue;
    }
    const cacheKey = requestKey(resolved.teacher, answer.messages);
    if (await store.getResponse(cacheKey)) {
      result.alreadyStored++;
      continue;
    }
    await store.commitResponse(responseRecord(answer, cacheKey, resolved, completion, readSafely(reader, completion)));
    result.reused++;
  }
  return result;
}

/** The store's record of a captured answer: priced at $0 to this run, its latency the one production saw. */
function responseRecord(answer: CapturedAnswer, cacheKey: string, resolved: ResolvedTeacher, completion: TeacherCompletion, read: ReturnType<typeof readSafely>): ResponseRecord {
  return {
    cacheKey, inputId: answer.inputId, model: resolved.teacher.modelId, kind: read.kind, label: read.label, distribution: read.distribution,
    tailMass: read.tailMass, text: read.text, inputTokens: completion.usage.inputTokens, outputTokens: completion.usage.outputTokens,
    costUSD: 0, latencyMs: answer.call.latencyMs, attempts: 1, createdAt: answer.call.at, completion,
  };
}
