/**
 * The span tagger as a student an app loads (`loadStudent`) or `serve` answers with: `generate`
 * returns the answer's JSON text, `stream` yields it (in one piece: the tagger decodes the whole input
 * at once, there are no tokens to stream), and both accept the app's exact teacher messages, from
 * which the input is recovered by inverting the prompt template the student file records. It is not
 * a token model: there are no token logprobs, and its JSON is the schema's object by construction.
 * The confidence it reports is the Viterbi margin (span-tagger.ts `viterbiWithMargin`).
 * No Node built-ins: this runs in a browser too.
 */
import type { StudentPrompt } from '../file-format.js';
import { compileTemplateInverter } from '../../task/template-inversion.js';
import { decodeStudentFile } from '../file-container.js';
import { spanTaggerFromBytes, spanTaggerToBytes } from './serialise.js';
import { spanFieldsOf, SpanSchemaError, type SpanField, type SpanTagger } from './span-tagger.js';

/** A chat message as an app sends it to its teacher. */
export interface SpanPromptMessage {
  role: string;
  content: string;
}

/** Options of one answer; the span tagger is deterministic and writes the whole object, so sampling settings do not apply. */
export interface SpanGenerateOptions {
  /**
   * A JSON Schema the answer must match: it must be the student's own (the same fields, of the same
   * types), else a SpanSchemaError; `{ type: 'object' }` (json_object) always fits.
   */
  schema?: unknown;
  /** Accepted for the language-model student's callers and ignored: the tagger's answer has no token budget. */
  maxTokens?: number;
  temperature?: number;
}

/** One answer of the span student. */
export interface SpanGeneration {
  /** The answer as compact JSON (the schema's keys in order). */
  text: string;
  /** Always 'stop': the object is written whole. */
  finishReason: 'stop';
  /** Best BIO path score minus the second best (perceptron units; Infinity when the input has no words). */
  margin: number;
  /** Words of the input the tagger read (its tokens). */
  inputWords: number;
  /** Where the input came from: the string given, the template's {{text}}, or the last user message. */
  input: string;
  template: 'none' | 'matched' | 'unmatched';
}

/** One streamed piece of a span answer: the whole text, then the end. */
export interface SpanGenerationChunk {
  text: string;
  finishReason?: 'stop';
}

/** A span tagger student. */
export interface SpanStudent {
  readonly kind: 'span-tagger';
  readonly fields: readonly SpanField[];
  readonly tagger: SpanTagger;
  /** The prompt it was distilled with (inverted when `generate` is given messages); null when the file records none. */
  readonly prompt: StudentPrompt | null;
  /** The JSON Schema every answer matches. */
  readonly schema: Record<string, unknown>;
  /** The answer to `input`: the input text itself, or the app's chat messages (the template inverted). */
  generate(input: string | readonly SpanPromptMessage[], options?: SpanGenerateOptions): SpanGeneration;
  /** The same answer as an async stream (one text piece, then the end). */
  stream(input: string | readonly SpanPromptMessage[], options?: SpanGenerateOptions): AsyncIterableIterator<SpanGenerationChunk>;
  toBytes(): Uint8Array;
  parameterCount(): number;
}

/** The JSON Schema of a tagger's answers: an object of its fields, all required, nothing else. */
export function spanAnswerSchema(fields: readonly SpanField[]): Record<string, unknown> {
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map((field) => [field.name, field.type === 'array' ? { type: 'array', items: { type: 'string' } } : { type: 'string' }])),
    required: fields.map((field) => field.name),
    additionalProperties: false,
  };
}

/** Whether a requested schema asks for exactly the student's answer (json_object's plain object always does); else the reason. */
export function schemaMismatch(fields: readonly SpanField[], schema: unknown): string | null {
  if (schema === undefined || schema === true) return null;
  const record = schema as Record<string, unknown> | null;
  if (record !== null && typeof record === 'object' && record['type'] === 'object' && record['properties'] === undefined) return null;
  let reason = '';
  const requested = spanFieldsOf(schema, (why) => { reason = why; });
  if (requested === undefined) return `the span student answers ${describe(fields)}; the requested schema is not such an object (${reason})`;
  const same = requested.length === fields.length && requested.every((field) => fields.some((own) => own.name === field.name && own.type === field.type));
  return same ? null : `the span student answers ${describe(fields)}; the requested schema asks for ${describe(requested)}`;
}

/** "people (string list), title (string)". */
function describe(fields: readonly SpanField[]): string {
  return `{${fields.map((field) => `${field.name}: ${field.type === 'array' ? 'string[]' : 'string'}`).join(', ')}}`;
}

/** The input of a request: the string as given, or the template's {{text}} where the messages match it, else the last user message. */
function inputOf(input: string | readonly SpanPromptMessage[], invert: ReturnType<typeof compileTemplateInverter> | null): { input: string; template: SpanGeneration['template'] } {
  if (typeof input === 'string') return { input, template: 'none' };
  const match = invert?.(input) ?? null;
  if (match !== null) return { input: match.text, template: 'matched' };
  const last = [...input].reverse().find((message) => message.role === 'user');
  if (last === undefined) throw new SpanSchemaError('the messages hold no user message: there is no input to answer');
  return { input: last.content, template: 'unmatched' };
}

/** Wraps a trained (or loaded) tagger as a student; `prompt` is the template `generate` inverts for messages. */
export function spanStudent(tagger: SpanTagger, prompt: StudentPrompt | null = null): SpanStudent {
  const invert = prompt === null ? null : compileTemplateInverter(prompt.messages, []);
  const schema = spanAnswerSchema(tagger.fields);
  const generate = (input: string | readonly SpanPromptMessage[], options: SpanGenerateOptions = {}): SpanGeneration => {
    const mismatch = schemaMismatch(tagger.fields, options.schema);
    if (mismatch !== null) throw new SpanSchemaError(mismatch);
    const found = inputOf(input, invert);
    const { answer, margin, words } = tagger.predictWithMargin(found.input);
    return { text: JSON.stringify(answer), finishReason: 'stop', margin, inputWords: words, ...found };
  };
  return {
    kind: 'span-tagger', fields: tagger.fields, tagger, prompt, schema,
    generate,
    async *stream(input, options) {
      const generation = generate(input, options);
      yield { text: generation.text };
      yield { text: '', finishReason: 'stop' };
    },
    toBytes: () => spanTaggerToBytes(tagger),
    parameterCount: () => tagger.parameterCount(),
  };
}

/** The prompt a file's header records, or null (none, or malformed). */
function recordedPrompt(header: Record<string, unknown>): StudentPrompt | null {
  const messages = (header['prompt'] as { messages?: unknown } | undefined)?.messages;
  if (!Array.isArray(messages) || messages.length === 0) return null;
  const valid = messages.every((message: unknown) => typeof (message as { role?: unknown })?.role === 'string' && typeof (message as { content?: unknown })?.content === 'string');
  return valid ? { messages: (messages as StudentPrompt['messages']).map(({ role, content }) => ({ role, content })) } : null;
}

/** A span student from file bytes, with the prompt its header records; a StudentFileError for any other file. */
export function spanStudentFromBytes(bytes: Uint8Array): SpanStudent {
  return spanStudent(spanTaggerFromBytes(bytes), recordedPrompt(decodeStudentFile(bytes).header));
}
