/**
 * The offline demo's teacher: VS Code's language detector served as an OpenAI-compatible chat API
 * on loopback. It answers the top language id, and with logprobs the model's confidences as
 * natural logs — the same wire shape an LLM teacher gives, so the pipeline cannot tell it apart.
 */
import type { ClassifierAnswer } from '../serve/chat-response.js';
import { startClassifierServer } from '../serve/classifier-server.js';
import { createLanguageDetector, type LanguageGuess } from './language-detector.js';

/** What the teacher answers when the text is too short for the model: a junk answer, with no logprobs. */
export const UNKNOWN_LANGUAGE = 'unknown';

/** How to start the demo teacher. */
export interface LanguageTeacherServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default 'vscode-languagedetection'. */
  modelName?: string;
}

/** A running demo teacher. */
export interface LanguageTeacherServer {
  /** Base URL ending in /v1. */
  url: string;
  port: number;
  /** Model calls made so far (what the pipeline's cache should keep low). */
  calls(): number;
  close(): Promise<void>;
}

/** The detector's guesses as a classifier answer; no guesses (too short) → "unknown" without logprobs. */
export function languageAnswer(guesses: readonly LanguageGuess[]): ClassifierAnswer {
  const ranked = [...guesses]
    .sort((a, b) => b.confidence - a.confidence)
    // ln(0) is -Infinity; the response builder floors it at OpenAI's -9999.
    .map((guess) => ({ token: guess.languageId, logprob: Math.log(guess.confidence) }));
  const top = ranked[0];
  return top === undefined ? { label: UNKNOWN_LANGUAGE, ranked: null } : { label: top.token, ranked };
}

/** Starts the demo teacher server; model calls run one at a time. */
export async function startLanguageTeacherServer(options: LanguageTeacherServerOptions = {}): Promise<LanguageTeacherServer> {
  const detector = createLanguageDetector();
  let calls = 0;
  const server = await startClassifierServer({
    classify: async (input) => {
      calls += 1;
      return languageAnswer(await detector.detect(input));
    },
    modelName: options.modelName ?? 'vscode-languagedetection',
    ownedBy: 'microsoft/vscode-languagedetection',
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  return {
    url: server.url,
    port: server.port,
    calls: () => calls,
    close: async () => {
      await server.close();
      detector.dispose();
    },
  };
}
