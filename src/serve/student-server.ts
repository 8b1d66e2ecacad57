/**
 * Serves a trained student behind the OpenAI chat-completions API, so an app swaps its teacher for
 * the student by changing `baseURL` (and the model name).
 */
import type { Student } from '../student/types.js';
import type { ClassifierAnswer } from './chat-response.js';
import { startClassifierServer } from './classifier-server.js';
import type { ListeningServer } from './listen.js';

/** How to serve a student. */
export interface StudentServerOptions {
  student: Student;
  /** The model name clients send and GET /v1/models lists. */
  modelName: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Request body limit in bytes; default 1 MiB. */
  maxBodyBytes?: number;
}

/** A student's prediction as a classifier answer: its label, and every label ranked by log-probability. */
export function studentAnswer(student: Student, input: string): ClassifierAnswer {
  const prediction = student.predict(input);
  const ranked = student.labels
    .map((token, index) => ({ token, logprob: Math.log(prediction.probabilities[index] ?? 0) }))
    // Stable sort keeps the label order for ties, so equal inputs always list alike.
    .sort((a, b) => b.logprob - a.logprob);
  return { label: prediction.label, ranked };
}

/** Starts an OpenAI-compatible server that answers with `options.student`; `url` is the base URL ending in /v1. */
export async function startStudentServer(options: StudentServerOptions): Promise<ListeningServer> {
  const { student, modelName, host, port, maxBodyBytes } = options;
  return startClassifierServer({
    classify: (input) => studentAnswer(student, input),
    modelName,
    ownedBy: `distillery:${student.kind}`,
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
  });
}
