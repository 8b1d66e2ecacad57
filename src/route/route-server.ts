/**
 * The route: one OpenAI-compatible endpoint that answers a chat completion with the student when its
 * confidence reaches the calibrated threshold, and forwards the original request, byte for byte, to
 * the teacher otherwise. Confidence is a classifier's top probability (or its margin over the second
 * label, when the calibration chose it), or a language model's
 * exp(mean token logprob) of its greedy answer (0 when cut short or, for extract, invalid). The response header `x-distillery-route` says who answered.
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
import { createRequestListener, DEFAULT_MAX_BODY_BYTES, HttpError, readBody, type Route } from '../serve/http.js';
import { listen, type ListeningServer } from '../serve/listen.js';
import { modelRoutes } from '../serve/model-routes.js';
import type { StudentPrompt } from '../student/file-format.js';
import type { Student } from '../student/types.js';
import type { ConfidenceSignal } from './calibrate.js';
import type { Prices } from '../teacher/prices.js';
import { RouteMetrics, type RouteName } from './route-metrics.js';
import { renderLearningMetrics } from './learning-metrics.js';
import { teacherAnswerBody, type RouteLearning } from './route-learning.js';
import type { GenerativeRouting } from './sequence-confidence.js';
import { classifierReader, generativeReader, type StudentReader } from './student-readers.js';

/** The response header naming who answered: student, teacher or student-fallback. */
export const ROUTE_HEADER = 'x-distillery-route';
/** The response header that carries a warning (the teacher was down and the student answered below the threshold). */
export const WARNING_HEADER = 'x-distillery-warning';

/** How to start a route. */
export interface RouteServerOptions {
  /**
   * The student, or null when it could not load (every call then goes to the teacher): a classifier,
   * or a language model as the route runs it (confidence exp(mean token logprob), 0 for an invalid extract answer).
   */
  student: Student | GenerativeRouting | null;
  /** The prompt the student was distilled with, for finding the input in a templated request. */
  prompt?: StudentPrompt | null;
  /** The calibrated threshold; null sends every call to the teacher. */
  threshold: number | null;
  /** A classifier's confidence signal the threshold applies to (default: its top probability). */
  confidenceSignal?: ConfidenceSignal;
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
  /** Continual learning (classifier students): escalations become training examples, shadow calls watch agreement (`--retrain-every`). */
  learning?: RouteLearning;
}

/** The student the route answers with and its threshold; a promoted retrain replaces them. */
export interface RouteSlot {
  student: Student | GenerativeRouting | null;
  threshold: number | null;
  /** 0 for the student the route started with, +1 per promotion. */
  generation: number;
}

/** A started route, with its live counters. */
export interface RouteServer extends ListeningServer {
  metrics: RouteMetrics;
  /** The student answering now and its threshold. */
  slot: RouteSlot;
}

/** The reader for a student, or null without one. */
function readerFor(student: RouteSlot['student'], options: RouteServerOptions): StudentReader | null {
  if (student === null) return null;
  if ('predict' in student) return classifierReader(student, options.prompt, options.modelName, options.prices, options.confidenceSignal);
  return generativeReader(student, options.prompt, options.modelName, options.prices);
}

/** POST /v1/chat/completions: the student above the threshold, the teacher otherwise, the fallback when the teacher is down. */
function chatHandler(options: RouteServerOptions, metrics: RouteMetrics, slot: RouteSlot): Route['handler'] {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { learning } = options;
  // The reader of the slot's student, made again when a promoted retrain takes over.
  let reader = { generation: slot.generation, read: readerFor(slot.student, options) ?? (() => null) };
  const read = (body: Buffer) => {
    if (reader.generation !== slot.generation) reader = { generation: slot.generation, read: readerFor(slot.student, options) ?? (() => null) };
    return reader.read(body);
  };
  return async (request, response) => {
    const body = await readBody(request, maxBodyBytes);
    const reading = read(body);
    const answerLocally = (route: RouteName, headers: Record<string, string>): void => {
      if (reading === null) return;
      metrics.record(route, reading.avoidedUSD);
      reading.send(response, { [ROUTE_HEADER]: route, ...headers });
    };
    const local = reading !== null && slot.threshold !== null && reading.confidence >= slot.threshold;
    if (reading !== null) learning?.drift?.recordCall(!local);
    if (local) {
      learning?.maybeShadow(body, reading.input, reading.answer);
      return answerLocally('student', {});
    }
    const onAnswer = learning === undefined || reading === null ? null : (answer: Buffer, contentType: string | undefined) => {
      const parsed = teacherAnswerBody(answer, contentType);
      if (parsed !== null) learning.escalated(reading.input, parsed);
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
  const slot: RouteSlot = options.learning?.learner.slot ?? { student: options.student, threshold: options.threshold, generation: 0 };
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
