/**
 * The route: one OpenAI-compatible endpoint that answers a chat completion with the student when its
 * top probability reaches the calibrated threshold, and forwards the original request, byte for byte,
 * to the teacher otherwise. The response header `x-distillery-route` says who answered.
 *
 * Teacher down (unreachable, timed out, or a 5xx answer): a call the student could have answered above
 * the threshold is unaffected; any other call gets the student's best guess anyway, with
 * `x-distillery-route: student-fallback` and an `x-distillery-warning` header, rather than a 503 — an
 * app that sends classification traffic prefers a likely label to an outage, and the header lets it
 * tell the two apart. Without a student (or a call the student cannot read) the teacher's failure is
 * passed on as the 502/504 it is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { forwardedRequestHeaders, forwardedResponseHeaders, sendUpstream, type UpstreamTarget } from '../guard/upstream-proxy.js';
import { parseChatCompletionRequest, type ChatCompletionRequest } from '../serve/chat-request.js';
import { chatCompletion, chatCompletionChunks, newCompletionIdentity, usageFor, type ClassifierAnswer } from '../serve/chat-response.js';
import { createRequestListener, DEFAULT_MAX_BODY_BYTES, HttpError, parseJsonObject, readBody, sendJson, SseWriter, type Route } from '../serve/http.js';
import { listen, type ListeningServer } from '../serve/listen.js';
import { modelRoutes } from '../serve/model-routes.js';
import { studentAnswer, templateInputSelector } from '../serve/student-server.js';
import type { StudentPrompt } from '../student/file-format.js';
import type { Student } from '../student/types.js';
import { costUSD, type Prices } from '../teacher/prices.js';
import { countTextTokens, estimateInputTokens } from '../teacher/tokens.js';
import { RouteMetrics, type RouteName } from './route-metrics.js';
import type { StudentSlot } from './continual.js';
import { teacherAnswerBody, type RouteLearning } from './route-learning.js';
import { renderLearningMetrics } from './learning-metrics.js';

/** The response header naming who answered: student, teacher or student-fallback. */
export const ROUTE_HEADER = 'x-distillery-route';
/** The response header that carries a warning (the teacher was down and the student answered below the threshold). */
export const WARNING_HEADER = 'x-distillery-warning';

/** How to start a route. */
export interface RouteServerOptions {
  /** The student, or null when it could not load (every call then goes to the teacher). */
  student: Student | null;
  /** The prompt the student was distilled with, for finding the input in a templated request. */
  prompt?: StudentPrompt | null;
  /** The calibrated threshold; null sends every call to the teacher. */
  threshold: number | null;
  /** Where the teacher is (its base URL, key and idle timeout). */
  teacher: UpstreamTarget;
  /** The model name clients send: the teacher's, so an app changes only its baseURL. */
  modelName: string;
  /** The teacher's prices, for the dollars saved. */
  prices: Prices;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  maxBodyBytes?: number;
  /** Continual learning: escalations become training examples, shadow calls watch agreement (`--retrain-every`). */
  learning?: RouteLearning;
}

/** A started route, with its live counters. */
export interface RouteServer extends ListeningServer {
  metrics: RouteMetrics;
  /** The student answering now and its threshold (a promoted retrain replaces them). */
  slot: StudentSlot;
}

/** The student's reading of a call, when it can read it: its answer and top probability. */
interface StudentReading {
  chat: ChatCompletionRequest;
  answer: ClassifierAnswer;
  confidence: number;
  headers: Record<string, string>;
}

/** What the teacher would have cost for a call the student answered (o200k estimate, as the collector budgets). */
function avoidedCost(chat: ChatCompletionRequest, answer: ClassifierAnswer, prices: Prices): number {
  return costUSD({ inputTokens: estimateInputTokens(chat.messages), outputTokens: countTextTokens(answer.label) + 1 }, prices);
}

/** Sends the student's answer as JSON or as an SSE stream, with the route headers. */
function sendStudentAnswer(response: ServerResponse, reading: StudentReading, headers: Record<string, string>): void {
  const { chat, answer } = reading;
  const identity = newCompletionIdentity(chat.model);
  const usage = usageFor(chat.messages);
  const all = { ...reading.headers, ...headers };
  if (!chat.stream) return sendJson(response, 200, chatCompletion(identity, answer, chat, usage), all);
  const events = new SseWriter(response, all);
  for (const chunk of chatCompletionChunks(identity, answer, chat, usage)) events.send(chunk);
  events.done();
}

/** POST /v1/chat/completions: the student above the threshold, the teacher otherwise, the fallback when the teacher is down. */
function chatHandler(options: RouteServerOptions, metrics: RouteMetrics, slot: StudentSlot): Route['handler'] {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { learning } = options;
  const selectInput = slot.student === null ? null : templateInputSelector(options.prompt, slot.student.labels);
  const read = (body: Buffer): (StudentReading & { input: string }) | null => {
    // The slot's student now: a promoted retrain takes over from the next call.
    const { student } = slot;
    if (student === null || selectInput === null) return null;
    let chat: ChatCompletionRequest;
    try {
      chat = parseChatCompletionRequest(parseJsonObject(body), options.modelName);
    } catch (error) {
      // What the student cannot read (tools, images, n > 1, …) is the teacher's to answer, or to refuse.
      if (error instanceof HttpError) return null;
      throw error;
    }
    const selected = selectInput(chat);
    if (selected.input.trim() === '') return null;
    const answer = studentAnswer(student, selected.input);
    return { chat, answer, input: selected.input, confidence: Math.exp(answer.ranked?.[0]?.logprob ?? Number.NEGATIVE_INFINITY), headers: selected.headers ?? {} };
  };
  return async (request, response) => {
    const body = await readBody(request, maxBodyBytes);
    const reading = read(body);
    const answerLocally = (route: RouteName, headers: Record<string, string>): void => {
      if (reading === null) return;
      metrics.record(route, avoidedCost(reading.chat, reading.answer, options.prices));
      sendStudentAnswer(response, reading, { [ROUTE_HEADER]: route, ...headers });
    };
    const local = reading !== null && slot.threshold !== null && reading.confidence >= slot.threshold;
    if (reading !== null) learning?.drift?.recordCall(!local);
    if (local) {
      if (learning !== undefined) learning.maybeShadow(body, reading.input, reading.answer.label);
      return answerLocally('student', {});
    }
    const onAnswer = learning === undefined || reading === null ? null : (answer: Buffer, contentType: string | undefined) => {
      const body = teacherAnswerBody(answer, contentType);
      if (body !== null) learning.escalated(reading.input, body);
    };
    await forwardToTeacher(request, response, body, options.teacher, metrics, onAnswer, reading === null ? null : (why) => answerLocally('student-fallback', {
      [WARNING_HEADER]: `the teacher is unavailable (${why}); this is the student's best guess, below the confidence threshold (p=${reading.confidence.toFixed(4)})`,
    }));
  };
}

/** Forwards a call to the teacher and relays its answer; on a teacher failure, `fallback` answers instead when given. */
async function forwardToTeacher(
  request: IncomingMessage, response: ServerResponse, body: Buffer, teacher: UpstreamTarget, metrics: RouteMetrics,
  onAnswer: ((answer: Buffer, contentType: string | undefined) => void) | null, fallback: ((why: string) => void) | null,
): Promise<void> {
  const call = sendUpstream(teacher, { method: 'POST', route: '/v1/chat/completions', headers: forwardedRequestHeaders(request.headers), body });
  response.once('close', () => {
    if (!response.writableFinished) call.cancel();
  });
  let upstream: IncomingMessage;
  try {
    upstream = await call.response;
  } catch (error) {
    metrics.recordTeacherError();
    if (fallback !== null && error instanceof HttpError) return fallback(error.message);
    if (!(error instanceof HttpError)) throw error;
    throw new HttpError(error.status, error.message, { type: error.type, code: error.code, headers: { ...error.headers, [ROUTE_HEADER]: 'teacher' } });
  }
  const status = upstream.statusCode ?? 502;
  if (status >= 500) {
    metrics.recordTeacherError();
    if (fallback !== null) {
      upstream.resume();
      return fallback(`it answered HTTP ${status}`);
    }
  }
  metrics.record('teacher');
  response.writeHead(status, { ...forwardedResponseHeaders(upstream.headers, false), [ROUTE_HEADER]: 'teacher' });
  // An escalated call's answer is kept (after it has gone to the app) to become a training example.
  const chunks: Buffer[] | null = onAnswer !== null && status === 200 ? [] : null;
  if (chunks !== null) upstream.on('data', (chunk: Buffer) => chunks.push(chunk));
  upstream.pipe(response);
  await new Promise<void>((resolve) => {
    upstream.once('end', () => {
      resolve();
      if (chunks !== null) onAnswer?.(Buffer.concat(chunks), upstream.headers['content-type']);
    }).once('error', () => {
      response.destroy();
      resolve();
    }).once('close', resolve);
  });
}

/** Starts the route; `url` is its base URL ending in /v1, `metrics` its live counters (also at GET /metrics). */
export async function startRouteServer(options: RouteServerOptions): Promise<RouteServer> {
  if (options.modelName === '') throw new Error('startRouteServer: modelName must not be empty');
  const slot: StudentSlot = options.learning?.learner.slot ?? { student: options.student, threshold: options.threshold, generation: 0 };
  const metrics = new RouteMetrics(() => (slot.student === null ? null : slot.threshold));
  const routes: Route[] = [
    { method: 'POST', path: '/v1/chat/completions', handler: chatHandler(options, metrics, slot) },
    { method: 'GET', path: '/metrics', handler: (_request, response) => {
      const text = metrics.render() + (options.learning === undefined ? '' : renderLearningMetrics(options.learning, slot));
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    } },
    ...modelRoutes({ modelName: options.modelName, ownedBy: 'distillery:route' }),
  ];
  const server = await listen(createRequestListener(routes), options.host, options.port);
  return { ...server, metrics, slot };
}
