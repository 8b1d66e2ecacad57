/**
 * Reads token usage out of an upstream answer while it passes through: from a JSON body, or from
 * the final usage chunk of an SSE stream, relayed event by event as it arrives.
 */

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

/** The byte sequence that ends an SSE event (LF form; CRLF upstreams are normalised below). */
const EVENT_END = '\n\n';

/**
 * Splits an SSE byte stream into whole events, passing each on as soon as it is complete and noting
 * the usage chunk; with `dropUsageChunk`, the usage-only chunk the gateway asked for is held back.
 */
export class SseUsageRelay {
  usage: TokenUsage | null = null;
  readonly #dropUsageChunk: boolean;
  #pending = '';

  constructor(dropUsageChunk: boolean) {
    this.#dropUsageChunk = dropUsageChunk;
  }

  /** Feeds upstream bytes; returns the text of the complete events to pass on now. */
  push(chunk: Buffer): string {
    this.#pending += chunk.toString('utf8').replace(/\r\n/g, '\n');
    let out = '';
    let end = this.#pending.indexOf(EVENT_END);
    while (end !== -1) {
      out += this.#relay(this.#pending.slice(0, end + EVENT_END.length));
      this.#pending = this.#pending.slice(end + EVENT_END.length);
      end = this.#pending.indexOf(EVENT_END);
    }
    return out;
  }

  /** The trailing bytes of a stream that ended mid-event, passed on unchanged. */
  flush(): string {
    const rest = this.#pending;
    this.#pending = '';
    return rest;
  }

  /** Notes usage in one event and returns what to pass on (the event, or nothing). */
  #relay(event: string): string {
    const data = event.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
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
