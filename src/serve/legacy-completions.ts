/**
 * POST /v1/completions (OpenAI's legacy text completions) for a language-model student: the prompt
 * is the student's prompt as it is (no template), `max_tokens` defaults to 16 as OpenAI's does,
 * `logprobs` is the legacy integer (0–5 alternatives), and several prompts may come in one request
 * (choice index = prompt index × n + choice). echo and best_of ≠ n are refused with a 400.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseModel } from './chat-request.js';
import { newCompletionIdentity, type CompletionIdentity } from './chat-response.js';
import { parseSamplingRequest, warningHeaders, type SamplingRequest } from './generation-request.js';
import { generationUsage, legacyChoice, legacyLogprobs, textCompletionObject, usageChunk, type GeneratedChoice, type TokenRendering } from './generation-response.js';
import { choiceOptions, drainStream, generateChoices, promptTokenCount, startStream, type GenerationContext, type StartedStream } from './generation-runner.js';
import { invalidParameter, readJsonBody, sendJson, SseWriter, type RouteHandler } from './http.js';
import { watermarkIgnores } from './watermark-decoding.js';

/** The legacy endpoint's limit on logprobs. */
const MAX_LEGACY_LOGPROBS = 5;
/** OpenAI's default max_tokens on this endpoint. */
const DEFAULT_MAX_TOKENS = 16;

/** What a completions request asks for, beyond sampling. */
interface CompletionsRequest {
  model: string;
  prompts: string[];
  /** Alternatives per token, or null when logprobs were not asked for. */
  logprobs: number | null;
  stream: boolean;
  includeUsage: boolean;
}

/** prompt: a non-empty string or an array of them (token-id prompts are not supported). */
function parsePrompts(value: unknown): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((prompt) => typeof prompt !== 'string')) {
    throw invalidParameter('prompt', 'prompt must be a string or an array of strings (token-id prompts are not supported)', value === undefined || value === null ? 'missing_required_parameter' : 'invalid_type');
  }
  list.forEach((prompt: string, index) => {
    if (prompt.trim() === '') throw invalidParameter(list.length === 1 ? 'prompt' : `prompt[${index}]`, 'the prompt is empty: there is nothing to complete');
  });
  return list as string[];
}

/** logprobs: null, or an integer 0..5. */
function parseLegacyLogprobs(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_LEGACY_LOGPROBS) throw invalidParameter('logprobs', `logprobs must be an integer from 0 to ${MAX_LEGACY_LOGPROBS}`);
  return value;
}

/** Validates the completions-only fields. */
function parseCompletionsRequest(body: Record<string, unknown>, servedModel: string, sampling: SamplingRequest): CompletionsRequest {
  const model = parseModel(body.model, servedModel);
  if (body.echo === true) throw invalidParameter('echo', 'echo is not supported: this server returns the completion alone', 'unsupported_value');
  if (body.best_of !== undefined && body.best_of !== null && body.best_of !== sampling.n) throw invalidParameter('best_of', 'best_of is not supported (leave it out or equal to n)', 'unsupported_value');
  const stream = body.stream === true;
  const options = body.stream_options as Record<string, unknown> | null | undefined;
  if (options !== undefined && options !== null && !stream) throw invalidParameter('stream_options', 'stream_options is only allowed when stream is true');
  return { model, prompts: parsePrompts(body.prompt), logprobs: parseLegacyLogprobs(body.logprobs), stream, includeUsage: options?.include_usage === true };
}

/** A cmpl- identity (the legacy endpoint's id prefix). */
function completionIdentity(model: string): CompletionIdentity {
  const identity = newCompletionIdentity(model);
  return { ...identity, id: identity.id.replace(/^chatcmpl-/, 'cmpl-') };
}

/** Streams every prompt's choices as text_completion events, then the usage event when asked, then [DONE]. */
async function streamCompletions(response: ServerResponse, context: GenerationContext, request: CompletionsRequest, sampling: SamplingRequest, headers: Record<string, string>): Promise<void> {
  const identity = completionIdentity(request.model);
  const rendering: TokenRendering | null = request.logprobs === null ? null : { tokenizer: context.student.tokenizer, topLogprobs: request.logprobs };
  const param = (index: number): string => (request.prompts.length === 1 ? 'prompt' : `prompt[${index}]`);
  const plans = request.prompts.map(() => choiceOptions(context, sampling, request.logprobs ?? 0));
  // Every prompt's first step runs before the stream opens, so a prompt too long is still a 400.
  const starts: StartedStream[] = [];
  for (const [index, prompt] of request.prompts.entries()) starts.push(await startStream(context, prompt, plans[index]?.[0] ?? {}, param(index)));
  const events = new SseWriter(response, headers);
  let promptTokens = 0;
  const choices: Array<{ tokens: readonly unknown[] }> = [];
  for (const [promptIndex, prompt] of request.prompts.entries()) {
    promptTokens += promptTokenCount(context.student, prompt);
    for (const [choiceIndex, option] of (plans[promptIndex] ?? []).entries()) {
      const index = promptIndex * sampling.n + choiceIndex;
      const started = choiceIndex === 0 ? (starts[promptIndex] as StartedStream) : await startStream(context, prompt, option, param(promptIndex));
      let offset = 0;
      const finished = await drainStream(started, response, (chunk) => {
        const logprobs = rendering !== null && chunk.token !== undefined ? legacyLogprobs([chunk.token], rendering, offset) : null;
        offset += chunk.text.length;
        if (chunk.text !== '' || logprobs !== null) events.send(textCompletionObject(identity, [legacyChoice(index, chunk.text, logprobs, null)]));
      });
      if (response.destroyed) return;
      events.send(textCompletionObject(identity, [legacyChoice(index, '', null, finished.finishReason)]));
      choices.push(finished);
    }
  }
  if (request.includeUsage) events.send(usageChunk(identity, 'text_completion', generationUsage(promptTokens, choices)));
  events.done();
}

/** Every prompt's choices generated whole, in one text_completion object. */
function wholeCompletions(context: GenerationContext, request: CompletionsRequest, sampling: SamplingRequest): Record<string, unknown> {
  const rendering: TokenRendering | null = request.logprobs === null ? null : { tokenizer: context.student.tokenizer, topLogprobs: request.logprobs };
  const generated: GeneratedChoice[] = request.prompts.flatMap((prompt, index) => generateChoices(context, prompt, choiceOptions(context, sampling, request.logprobs ?? 0), request.prompts.length === 1 ? 'prompt' : `prompt[${index}]`));
  const choices = generated.map((choice, index) => legacyChoice(index, choice.text, rendering === null ? null : legacyLogprobs(choice.tokens, rendering, 0), choice.finishReason));
  const promptTokens = request.prompts.reduce((sum, prompt) => sum + promptTokenCount(context.student, prompt), 0);
  return textCompletionObject(completionIdentity(request.model), choices, generationUsage(promptTokens, generated));
}

/** The /v1/completions handler for `context`'s student. */
export function completionsRoute(context: GenerationContext, modelName: string, maxBodyBytes: number): RouteHandler {
  return async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readJsonBody(request, maxBodyBytes);
    const sampling = parseSamplingRequest(body, DEFAULT_MAX_TOKENS);
    const completions = parseCompletionsRequest(body, modelName, sampling);
    const headers = warningHeaders([...sampling.ignored, ...watermarkIgnores(context.watermark, sampling.topP)]);
    if (completions.stream) return streamCompletions(response, context, completions, sampling, headers);
    sendJson(response, 200, wholeCompletions(context, completions, sampling), headers);
  };
}
