/**
 * Reads token usage out of an upstream answer while it passes through: from a JSON body, or from
 * the final usage chunk of an SSE stream, relayed event by event as it arrives.
 */
import { StringDecoder } from 'node:string_decoder';

/** Token counts as the upstream reported them. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** A non-negative integer count, or 0. */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

/** The usage block of a parsed OpenAI answer or chunk, or null when it has none. */
export function usageOf(value: unknown): TokenUsage | null {
  if (value === null || typeof value !== 'object') return null;
  const usage = (value as { usage?: unknown }).usage;
  if (usage === null || typeof usage !== 'object') return null;
  const fields = usage as Record<string, unknown>;
  return { promptTokens: count(fields.prompt_tokens), completionTokens: count(fields.completion_tokens) };
}

/** The usage of a complete JSON body, or null. */
export function usageOfJson(body: Buffer): TokenUsage | null {
  try {
    return usageOf(JSON.parse(body.toString('utf8')));
  } catch {
    return null;
  }
}

/** Two line endings in a row end an SSE event; CRLF, LF and CR are all line endings (a CR before LF is part of CRLF). */
const EVENT_END = /(?:\r\n|\n|\r(?!\n))(?:\r\n|\n|\r(?!\n))/;
/** One SSE line ending, of any of the three kinds. */
const LINE_END = /\r\n|\n|\r/;

/**
 * Splits an SSE byte stream into whole events, passing each on as soon as it is complete and noting
 * the usage chunk; with `dropUsageChunk`, the usage-only chunk the gateway asked for is held back.
 */
export class SseUsageRelay {
  usage: TokenUsage | null = null;
  readonly #dropUsageChunk: boolean;
  #pending = '';
  // Decodes across chunk boundaries, so a character split between two upstream chunks is not mangled.
  readonly #decoder = new StringDecoder('utf8');

  constructor(dropUsageChunk: boolean) {
    this.#dropUsageChunk = dropUsageChunk;
  }

  /** Feeds upstream bytes; returns the text of the complete events to pass on now. */
  push(chunk: Buffer): string {
    // The text is passed on exactly as it came (line endings included); only event boundaries are looked for.
    this.#pending += this.#decoder.write(chunk);
    let out = '';
    let end = EVENT_END.exec(this.#pending);
    while (end !== null) {
      const length = end.index + end[0].length;
      out += this.#relay(this.#pending.slice(0, length));
      this.#pending = this.#pending.slice(length);
      end = EVENT_END.exec(this.#pending);
    }
    return out;
  }

  /** The trailing bytes of a stream that ended mid-event, passed on unchanged. */
  flush(): string {
    const rest = this.#pending + this.#decoder.end();
    this.#pending = '';
    return rest;
  }

  /** Notes usage in one event and returns what to pass on (the event, or nothing). */
  #relay(event: string): string {
    const data = event.split(LINE_END).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
    if (data === '' || data === '[DONE]') return event;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return event;
    }
    const usage = usageOf(parsed);
    if (usage === null) return event;
    this.usage = usage;
    const choices = (parsed as { choices?: unknown }).choices;
    const usageOnly = Array.isArray(choices) && choices.length === 0;
    return this.#dropUsageChunk && usageOnly ? '' : event;
  }
}
