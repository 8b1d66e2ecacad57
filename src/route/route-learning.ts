/**
 * What the route does for continual learning besides answering: the teacher's answer to each escalated
 * call goes to the learner, and a share of the calls the student answered (`shadowRate`) is also sent
 * to the teacher in the background — priced like any teacher call — to watch the student's live
 * agreement (the drift monitor) and to hold out an unbiased sample for judging retrained students.
 */
import type { IncomingMessage } from 'node:http';
import { assembleChatStream, sseChunks } from '../capture/assemble.js';
import { forwardedRequestHeaders, sendUpstream, type UpstreamTarget } from '../guard/upstream-proxy.js';
import type { ContinualLearner, Escalation } from './continual.js';
import type { DriftMonitor } from './drift.js';
import type { GenerativeLearner } from './generative-continual.js';

/** The teacher's answer read as a label (and distribution); null for an answer that names no label. */
export type TeacherAnswerReader = (body: unknown) => Omit<Escalation, 'text'> | null;

/**
 * How a teacher answer becomes an example for the learner: `keep` reads the answer (a parsed chat
 * completion), hands it to the learner (held out when `heldOut`) and returns it in the form the
 * student's answers are compared with (a label, or a language model's text), or null when it is
 * unusable; `agrees` compares a student answer with that form (default: equal strings).
 */
export interface AnswerKeeper {
  keep(input: string, body: unknown, heldOut: boolean): string | null;
  agrees?(studentAnswer: string, teacherAnswer: string): boolean;
}

/** The keeper for a classifier learner: the task's own answer reader, labels compared as they are. */
export function labelKeeper(learner: ContinualLearner, readAnswer: TeacherAnswerReader): AnswerKeeper {
  return {
    keep(input, body, heldOut) {
      const answer = readAnswer(body);
      if (answer === null) return null;
      learner.addEscalation({ text: input, ...answer, ...(heldOut ? { heldOut: true } : {}) });
      return answer.label;
    },
  };
}

/** The body of a teacher answer as a chat completion: JSON as it is, an SSE stream assembled; null when neither. */
export function teacherAnswerBody(bytes: Buffer, contentType: string | undefined): unknown {
  const text = bytes.toString('utf8');
  try {
    return (contentType ?? '').includes('text/event-stream') ? assembleChatStream(sseChunks(text)) : JSON.parse(text);
  } catch {
    return null;
  }
}

/** How the route learns. */
export interface RouteLearningOptions {
  /** A classifier's learner (continual.ts) or a language model's (generative-continual.ts). */
  learner: ContinualLearner | GenerativeLearner;
  drift: DriftMonitor | null;
  /** Share of student-answered calls also sent to the teacher (0 to 1). */
  shadowRate: number;
  teacher: UpstreamTarget;
  keeper: AnswerKeeper;
  /** Uniform in [0, 1); default Math.random (tests pass a seeded one). */
  random?: () => number;
  log?: (line: string) => void;
}

/** Reads a whole upstream answer. */
async function readAll(upstream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of upstream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The route's continual-learning side: escalations to the learner, shadow calls to the drift monitor. */
export class RouteLearning {
  readonly learner: ContinualLearner | GenerativeLearner;
  readonly drift: DriftMonitor | null;
  /** Shadow calls sent, and those that failed (teacher down, an answer that names no label). */
  readonly shadow = { sent: 0, failed: 0 };
  private readonly inFlight = new Set<Promise<void>>();
  private keepFailures = 0;
  private readonly random: () => number;

  constructor(private readonly options: RouteLearningOptions) {
    this.learner = options.learner;
    this.drift = options.drift;
    this.random = options.random ?? Math.random;
  }

  /** The teacher answered an escalated call: its answer becomes an example. Never throws: the app's call is already answered. */
  escalated(input: string, body: unknown): void {
    try {
      this.options.keeper.keep(input, body, false);
    } catch (error) {
      // E.g. a project folder that can no longer be written: said once, the route keeps answering.
      if (this.keepFailures++ === 0) (this.options.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(`distillery route: an escalated call could not be kept for retraining (${(error as Error).message}); further failures are only counted`);
    }
  }

  /** Escalated answers that could not be kept (see `escalated`). */
  get failedToKeep(): number {
    return this.keepFailures;
  }

  /** Maybe asks the teacher too about a call the student answered, in the background. */
  maybeShadow(requestBody: Buffer, input: string, studentAnswer: string): void {
    if (!(this.random() < this.options.shadowRate)) return;
    this.shadow.sent++;
    const call = this.shadowCall(requestBody, input, studentAnswer).catch(() => {
      this.shadow.failed++;
    });
    this.inFlight.add(call);
    void call.finally(() => this.inFlight.delete(call));
  }

  /** Resolves when every shadow call sent so far has come back. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async shadowCall(requestBody: Buffer, input: string, studentAnswer: string): Promise<void> {
    // Asked as one plain answer whatever the app asked for: the shadow needs the label, not a stream.
    const request = JSON.parse(requestBody.toString('utf8')) as Record<string, unknown>;
    delete request['stream'];
    delete request['stream_options'];
    const body = Buffer.from(JSON.stringify(request));
    const upstream = await sendUpstream(this.options.teacher, { method: 'POST', route: '/v1/chat/completions', headers: forwardedRequestHeaders({ 'content-type': 'application/json' }), body }).response;
    const bytes = await readAll(upstream);
    const { keeper } = this.options;
    const answer = upstream.statusCode === 200 ? keeper.keep(input, teacherAnswerBody(bytes, upstream.headers['content-type']), true) : null;
    if (answer === null) throw new Error('no usable answer');
    this.drift?.recordShadow(keeper.agrees === undefined ? answer === studentAnswer : keeper.agrees(studentAnswer, answer));
  }
}
