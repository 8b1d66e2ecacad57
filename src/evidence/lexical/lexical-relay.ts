/**
 * The guard's side of the lexical watermark: marks the assistant content of chat completion answers
 * as they pass through the gateway, a plain JSON answer whole and an SSE stream event by event (each
 * choice through its own streaming marker, the held-back tail flushed with the choice's last chunk),
 * so the streamed text equals the plain text for the same answer.
 */
import type { ResponseRewriter, StreamRewriter } from '../../guard/relay.js';
import type { LexicalKey } from './lexical-key.js';
import { LexicalStreamWatermarker, watermarkText } from './lexical-watermark.js';

/** The header value announcing the mark. */
export const LEXICAL_WATERMARK_HEADER = 'lexical';

/** A choice as OpenAI sends it, as far as the marker cares. */
interface ChoiceShape {
  index?: unknown;
  message?: { content?: unknown };
  delta?: { content?: unknown };
  finish_reason?: unknown;
}

/** The choices of a parsed answer or chunk, or null when it has none. */
function choicesOf(value: unknown): ChoiceShape[] | null {
  if (value === null || typeof value !== 'object') return null;
  const choices = (value as { choices?: unknown }).choices;
  return Array.isArray(choices) ? choices.filter((choice): choice is ChoiceShape => choice !== null && typeof choice === 'object') : null;
}

/** Marks the SSE events of one streamed chat completion. */
class LexicalSseMarker implements StreamRewriter {
  readonly #markers = new Map<number, LexicalStreamWatermarker>();
  #last: Record<string, unknown> = {};

  constructor(readonly key: LexicalKey) {}

  /** Takes complete SSE events (as the usage relay passes them on); returns them marked. */
  push(events: string): string {
    if (events === '') return '';
    return events.split(/(?<=\n\n)/u).map((event) => this.#event(event)).join('');
  }

  /** What the markers still hold, as one last chunk (a stream that ended without a finish_reason or [DONE]). */
  flush(): string {
    return this.#pending();
  }

  #event(event: string): string {
    const lines = event.replace(/\n+$/u, '').split('\n');
    const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
    if (data === '[DONE]') return this.#pending() + event;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return event;
    }
    const choices = choicesOf(parsed);
    if (choices === null) return event;
    this.#last = parsed as Record<string, unknown>;
    for (const choice of choices) {
      const index = typeof choice.index === 'number' ? choice.index : 0;
      let marker = this.#markers.get(index);
      if (marker === undefined) {
        marker = new LexicalStreamWatermarker(this.key);
        this.#markers.set(index, marker);
      }
      const content = typeof choice.delta?.content === 'string' ? choice.delta.content : null;
      let marked = content === null ? '' : marker.push(content);
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
        marked += marker.flush();
        this.#markers.delete(index);
      }
      if (content !== null || marked !== '') choice.delta = { ...choice.delta, content: marked };
    }
    const other = lines.filter((line) => !line.startsWith('data:'));
    return `${[...other, `data: ${JSON.stringify(parsed)}`].join('\n')}\n\n`;
  }

  /** A chunk carrying every choice's held-back text, or '' when none is held. */
  #pending(): string {
    const choices = [...this.#markers].map(([index, marker]) => ({ index, delta: { content: marker.flush() }, finish_reason: null })).filter((choice) => choice.delta.content !== '');
    this.#markers.clear();
    if (choices.length === 0) return '';
    const { id, object, created, model } = this.#last;
    return `data: ${JSON.stringify({ id, object, created, model, choices })}\n\n`;
  }
}

/** The gateway rewriter that applies the key's lexical mark to chat completion answers. */
export function lexicalResponseRewriter(key: LexicalKey): ResponseRewriter {
  return {
    header: LEXICAL_WATERMARK_HEADER,
    rewriteBody(body: Buffer): Buffer {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return body;
      }
      const choices = choicesOf(parsed);
      if (choices === null) return body;
      for (const choice of choices) {
        if (typeof choice.message?.content === 'string') choice.message.content = watermarkText(choice.message.content, key);
      }
      return Buffer.from(JSON.stringify(parsed), 'utf8');
    },
    stream: () => new LexicalSseMarker(key),
  };
}
