/**
 * Running a language-model student for one request: the decoder settings of each choice (sampling,
 * schema, watermark), the student's own errors turned into 400s that name the field at fault, and a
 * stream that yields to the event loop between tokens (so each token reaches the client as it is
 * made) and stops when the client goes away.
 */
import { randomInt } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { WatermarkKey } from '../evidence/watermark-key.js';
import { ContextLengthError, LanguageModelError, UnsupportedSchemaError } from '../student/lm/errors.js';
import type { TokenLogprob } from '../student/lm/decoder.js';
import type { GenerateOptions, GenerationChunk, GenerativeStudent } from '../student/lm/types.js';
import type { SamplingRequest } from './generation-request.js';
import type { GeneratedChoice } from './generation-response.js';
import { HttpError, invalidParameter } from './http.js';
import { watermarkDecoding } from './watermark-decoding.js';

/** What the server generates with. */
export interface GenerationContext {
  student: GenerativeStudent;
  watermark: WatermarkKey | undefined;
}

/** The decoder options of each of a request's `n` choices: seeds seed, seed + 1, …. */
export function choiceOptions(context: GenerationContext, sampling: SamplingRequest, topLogprobs: number): GenerateOptions[] {
  const seed = sampling.seed ?? randomInt(0, 2 ** 31);
  return Array.from({ length: sampling.n }, (_, index) => ({
    maxTokens: sampling.maxTokens ?? context.student.config.context,
    temperature: sampling.temperature,
    topP: sampling.topP,
    stop: sampling.stop,
    seed: seed + index,
    topLogprobs,
    ...(sampling.schema === undefined ? {} : { schema: sampling.schema }),
    ...watermarkDecoding(context.watermark, sampling.temperature, seed + index),
  }));
}

/** The student's bad-input errors as 400s naming the request field (`promptParam` for a prompt too long). */
export function asHttpError(error: unknown, promptParam: string): unknown {
  if (error instanceof ContextLengthError) return new HttpError(400, error.message, { param: promptParam, code: 'context_length_exceeded' });
  if (error instanceof UnsupportedSchemaError) return invalidParameter('response_format.json_schema.schema', error.message, 'unsupported_value');
  if (error instanceof LanguageModelError) return invalidParameter(promptParam, error.message);
  return error;
}

/** Runs `work`, turning the student's errors into 400s. */
export function withStudentErrors<T>(work: () => T, promptParam: string): T {
  try {
    return work();
  } catch (error) {
    throw asHttpError(error, promptParam);
  }
}

/** Every choice generated whole. */
export function generateChoices(context: GenerationContext, prompt: string, options: readonly GenerateOptions[], promptParam: string): GeneratedChoice[] {
  return withStudentErrors(() => options.map((option) => {
    const generation = context.student.generate(prompt, option);
    return { text: generation.text, tokens: generation.logprobs, finishReason: generation.finishReason };
  }), promptParam);
}

/** Tokens of `prompt` as the student reads it (its begin and answer markers included). */
export function promptTokenCount(student: GenerativeStudent, prompt: string): number {
  return student.tokenizer.encode(prompt).length + 2;
}

/** One choice's stream, started: its first step has run, so a bad prompt or schema fails before any byte is sent. */
export interface StartedStream {
  first: IteratorResult<GenerationChunk, unknown>;
  rest: AsyncIterator<GenerationChunk>;
}

/** Starts streaming one choice, turning the student's errors into 400s. */
export async function startStream(context: GenerationContext, prompt: string, option: GenerateOptions, promptParam: string): Promise<StartedStream> {
  const rest = context.student.stream(prompt, option);
  try {
    return { first: await rest.next(), rest };
  } catch (error) {
    throw asHttpError(error, promptParam);
  }
}

/** Yields to the event loop so written chunks leave before the next token is computed. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Feeds a started stream's chunks to `send` until it ends or the client closes; returns the choice's tokens and finish. */
export async function drainStream(started: StartedStream, response: ServerResponse, send: (chunk: GenerationChunk) => void): Promise<{ tokens: TokenLogprob[]; finishReason: 'stop' | 'length' }> {
  const tokens: TokenLogprob[] = [];
  let next = started.first;
  while (next.done !== true) {
    const chunk = next.value;
    if (chunk.token !== undefined) tokens.push(chunk.token);
    send(chunk);
    if (chunk.finishReason !== undefined) return { tokens, finishReason: chunk.finishReason };
    await nextTurn();
    if (response.destroyed || response.writableEnded) {
      await started.rest.return?.();
      break;
    }
    next = await started.rest.next();
  }
  return { tokens, finishReason: 'stop' };
}
