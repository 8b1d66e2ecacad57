/**
 * Serves a trained student behind the OpenAI chat-completions API, so an app swaps its teacher for
 * the student by changing `baseURL` (and the model name).
 */
import type { StudentPrompt } from '../student/file-format.js';
import type { Student } from '../student/types.js';
import type { ClassifierAnswer } from './chat-response.js';
import { startClassifierServer, type SelectInput } from './classifier-server.js';
import type { ListeningServer } from './listen.js';
import { compileTemplateInverter } from '../task/template-inversion.js';

/** The response header that says how the input was found: `matched` (the task's template was inverted), `unmatched` (the last user message), `none` (no template known). */
export const TEMPLATE_HEADER = 'x-distillery-template';

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
  /**
   * The prompt the student was distilled with. A request carrying it (an app that only swapped its
   * baseURL) is classified on the input the template recovers, not on the whole templated message.
   */
  prompt?: StudentPrompt | null;
}

/** Picks the input out of a request: the template's `{{text}}` where the prompt matches, else the last user message. */
export function templateInputSelector(prompt: StudentPrompt | null | undefined, labels: readonly string[]): SelectInput {
  if (prompt === null || prompt === undefined) {
    return (chat) => ({ input: chat.input, param: chat.inputParam, headers: { [TEMPLATE_HEADER]: 'none' } });
  }
  const invert = compileTemplateInverter(prompt.messages, labels);
  return (chat) => {
    const match = invert(chat.messages);
    if (match === null) return { input: chat.input, param: chat.inputParam, headers: { [TEMPLATE_HEADER]: 'unmatched' } };
    return { input: match.text, param: `messages[${match.textMessage}].content`, headers: { [TEMPLATE_HEADER]: 'matched' } };
  };
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
    selectInput: templateInputSelector(options.prompt, student.labels),
    modelName,
    ownedBy: `distillery:${student.kind}`,
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
  });
}
