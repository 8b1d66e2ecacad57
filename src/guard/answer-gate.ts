/**
 * The answer side of the capability gates: reasoning content stripped or summarised — the reasoning
 * fields, and `<think>…</think>` / `<thinking>…</thinking>` blocks inline in the content (the shape of
 * DeepSeek-R1 or Qwen3 served without a reasoning parser) — logprobs the request was not allowed taken
 * out (should the upstream send them anyway), and choices beyond the `n` cap dropped; a JSON answer
 * whole, an SSE stream event by event (a tag split across chunks is held until it is whole).
 */
import { DEFAULT_SUMMARY_CHARS, type CapabilityGates } from './capability-gates.js';
import type { ResponseRewriter, StreamRewriter } from './relay.js';

/** Fields OpenAI-compatible servers put reasoning in: vLLM / DeepSeek, OpenRouter / Ollama, LiteLLM's Anthropic thinking blocks. */
const REASONING_FIELDS = ['reasoning_content', 'reasoning', 'thinking_blocks', 'reasoning_details'] as const;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The text of one reasoning field: a string, or the text of its blocks (Anthropic `thinking`, OpenRouter `text` / `summary`). */
function reasoningText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return '';
  return value.map((block) => (isObject(block) ? [block.thinking, block.text, block.summary].find((part) => typeof part === 'string') ?? '' : '')).join('');
}

/** Removes every reasoning field of a message or delta; returns their text. */
function takeReasoning(part: Json): string {
  let text = '';
  for (const field of REASONING_FIELDS) {
    if (!(field in part)) continue;
    text += reasoningText(part[field]);
    delete part[field];
  }
  return text;
}

const OPENING_TAGS = ['<think>', '<thinking>'] as const;
const CLOSING_TAGS = ['</think>', '</thinking>'] as const;
const OPENING = /<think(?:ing)?>/iu;
const CLOSING = /<\/think(?:ing)?>/iu;

/** What a piece of content holds: the part to pass on, and the thinking taken out of it. */
export interface SplitContent {
  said: string;
  thought: string;
}

/**
 * Takes inline thinking blocks out of content that arrives in pieces. A piece ending in what may be
 * the start of a tag (`<thi`) keeps that tail back until the next piece says whether it is one; the
 * whitespace right after a closing tag goes with the block. A block never closed (the answer was cut
 * off) is thinking to the end. Literal `<think>` text in an answer is taken for a block too.
 */
export class InlineThinking {
  #inside = false;
  #held = '';
  #afterBlock = false;

  /** The next piece of content. */
  push(text: string): SplitContent {
    let rest = this.#held + text;
    this.#held = '';
    const out: SplitContent = { said: '', thought: '' };
    for (;;) {
      const match = (this.#inside ? CLOSING : OPENING).exec(rest);
      if (match === null) {
        const keep = heldTail(rest, this.#inside ? CLOSING_TAGS : OPENING_TAGS);
        this.#emit(out, rest.slice(0, rest.length - keep));
        this.#held = rest.slice(rest.length - keep);
        return out;
      }
      this.#emit(out, rest.slice(0, match.index));
      rest = rest.slice(match.index + match[0].length);
      this.#inside = !this.#inside;
      if (!this.#inside) this.#afterBlock = true;
    }
  }

  /** The end of the content: a held tail outside a block was text after all; inside one it was thinking. */
  end(): SplitContent {
    const out: SplitContent = { said: '', thought: '' };
    this.#emit(out, this.#held);
    this.#held = '';
    return out;
  }

  /** Whether a tail is held back (a stream that ends without a finish reason still owes it). */
  get holding(): boolean {
    return this.#held !== '' && !this.#inside;
  }

  #emit(out: SplitContent, text: string): void {
    if (this.#inside) {
      out.thought += text;
      return;
    }
    let said = text;
    if (this.#afterBlock) {
      said = said.replace(/^\s+/u, '');
      if (said !== '') this.#afterBlock = false;
    }
    out.said += said;
  }
}

/** Characters at the end of `text` that are a proper prefix of one of `tags` (case-insensitive), to hold back. */
function heldTail(text: string, tags: readonly string[]): number {
  const lower = text.slice(-Math.max(...tags.map((tag) => tag.length))).toLowerCase();
  for (let length = lower.length; length > 0; length--) {
    const tail = lower.slice(lower.length - length);
    if (tags.some((tag) => tag.length > length && tag.startsWith(tail))) return length;
  }
  return 0;
}

/** Content with its inline thinking blocks taken out, whole. */
function splitWhole(text: string): SplitContent {
  const splitter = new InlineThinking();
  const first = splitter.push(text);
  const last = splitter.end();
  return { said: first.said + last.said, thought: first.thought + last.thought };
}

/** The field a choice carries its text in: `message.content` / `delta.content` for chat, `text` for legacy completions. */
function contentHolder(choice: Json, part: 'message' | 'delta'): { holder: Json; field: 'content' | 'text' } | null {
  const inner = choice[part];
  if (isObject(inner)) return typeof inner.content === 'string' ? { holder: inner, field: 'content' } : null;
  return typeof choice.text === 'string' ? { holder: choice, field: 'text' } : null;
}

/** A short extractive summary: the opening of the reasoning up to `chars`, cut at a word, and how much was withheld. */
export function summariseReasoning(text: string, chars = DEFAULT_SUMMARY_CHARS): string {
  const flat = text.replace(/\s+/gu, ' ').trim();
  if (flat.length <= chars) return flat;
  const cut = flat.slice(0, chars);
  const atWord = cut.lastIndexOf(' ');
  const head = (atWord > chars / 2 ? cut.slice(0, atWord) : cut).trimEnd();
  return `${head}… [summary by the provider's gateway: ${flat.length - head.length} of ${flat.length} characters withheld]`;
}

/** Takes out logprobs the gates do not allow: all of them, or alternatives beyond the cap. */
function gateLogprobs(choice: Json, gates: CapabilityGates): void {
  if (!('logprobs' in choice) || choice.logprobs === null) return;
  if (gates.logprobs === false) {
    choice.logprobs = null;
    return;
  }
  const cap = gates.topLogprobs;
  if (cap === undefined || !isObject(choice.logprobs)) return;
  const logprobs = choice.logprobs;
  for (const position of Array.isArray(logprobs.content) ? logprobs.content : []) {
    if (isObject(position) && Array.isArray(position.top_logprobs)) position.top_logprobs = position.top_logprobs.slice(0, cap);
  }
  // The legacy completions shape: one {token: logprob} map per position.
  if (Array.isArray(logprobs.top_logprobs)) {
    logprobs.top_logprobs = logprobs.top_logprobs.map((alternatives: unknown) => (isObject(alternatives) ? Object.fromEntries(Object.entries(alternatives).sort(([, a], [, b]) => Number(b) - Number(a)).slice(0, cap)) : alternatives));
  }
}

/** The choices of a parsed answer, those beyond the `n` cap dropped. */
function gatedChoices(parsed: Json, gates: CapabilityGates): Json[] | null {
  if (!Array.isArray(parsed.choices)) return null;
  const choices = parsed.choices.filter(isObject).filter((choice) => gates.n === undefined || typeof choice.index !== 'number' || choice.index < gates.n);
  parsed.choices = choices;
  return choices;
}

/** Gates one plain answer in place. */
function gateAnswer(parsed: Json, gates: CapabilityGates): void {
  for (const choice of gatedChoices(parsed, gates) ?? []) {
    gateLogprobs(choice, gates);
    if (gates.reasoning !== 'strip' && gates.reasoning !== 'summary') continue;
    const message = isObject(choice.message) ? choice.message : null;
    let reasoning = message === null ? '' : takeReasoning(message);
    const content = contentHolder(choice, 'message');
    if (content !== null) {
      const { said, thought } = splitWhole(content.holder[content.field] as string);
      content.holder[content.field] = said;
      reasoning += thought;
    }
    if (gates.reasoning === 'summary' && reasoning !== '' && message !== null) message.reasoning_content = summariseReasoning(reasoning, gates.summaryChars);
  }
}

/** Gates the events of one streamed answer; a summary is sent with a choice's first content, or its end. */
class StreamGate implements StreamRewriter {
  /** Per choice index: the reasoning withheld so far, until its summary is sent. */
  readonly #withheld = new Map<number, string>();
  readonly #summarised = new Set<number>();
  /** Per choice index: its inline-thinking splitter. */
  readonly #inline = new Map<number, InlineThinking>();
  /** The last event's envelope (id, model, …) and shape, for the event that delivers a held tail at the end. */
  #last: { envelope: Json; legacy: boolean } | null = null;

  constructor(readonly gates: CapabilityGates) {}

  push(events: string): string {
    if (events === '') return '';
    return events.split(/(?<=\n\n)/u).map((event) => this.#event(event)).join('');
  }

  flush(): string {
    return this.#drain();
  }

  /** Events for the tails still held back (a stream that ended without a finish reason). */
  #drain(): string {
    let events = '';
    for (const [index, splitter] of this.#inline) {
      if (!splitter.holding) continue;
      const { said } = splitter.end();
      const choice = this.#last?.legacy === true ? { index, text: said, finish_reason: null } : { index, delta: { content: said }, finish_reason: null };
      events += `data: ${JSON.stringify({ ...this.#last?.envelope, choices: [choice] })}\n\n`;
    }
    return events;
  }

  #event(event: string): string {
    const lines = event.replace(/\n+$/u, '').split('\n');
    const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
    if (data.trim() === '[DONE]') return this.#drain() + event;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return event;
    }
    if (!isObject(parsed)) return event;
    const before = Array.isArray(parsed.choices) ? parsed.choices.length : 0;
    const choices = gatedChoices(parsed, this.gates);
    if (choices === null) return event;
    if (choices.length > 0) {
      const { choices: _choices, usage: _usage, ...envelope } = parsed;
      this.#last = { envelope, legacy: !isObject(choices[0]!.delta) };
    }
    for (const choice of choices) this.#choice(choice);
    // An event whose every choice was beyond the `n` cap is dropped (the usage chunk has no choices to begin with).
    if (choices.length === 0 && before > 0) return '';
    const other = lines.filter((line) => !line.startsWith('data:'));
    return `${[...other, `data: ${JSON.stringify(parsed)}`].join('\n')}\n\n`;
  }

  #choice(choice: Json): void {
    gateLogprobs(choice, this.gates);
    const mode = this.gates.reasoning;
    if (mode !== 'strip' && mode !== 'summary') return;
    const index = typeof choice.index === 'number' ? choice.index : 0;
    const delta = isObject(choice.delta) ? choice.delta : null;
    let reasoning = delta === null ? '' : takeReasoning(delta);
    const finished = choice.finish_reason !== null && choice.finish_reason !== undefined;
    const content = contentHolder(choice, 'delta');
    let said = '';
    if (content !== null || finished) {
      const splitter = this.#inline.get(index) ?? new InlineThinking();
      this.#inline.set(index, splitter);
      const piece = content === null ? { said: '', thought: '' } : splitter.push(content.holder[content.field] as string);
      const rest = finished ? splitter.end() : { said: '', thought: '' };
      said = piece.said + rest.said;
      reasoning += piece.thought + rest.thought;
      if (content !== null) content.holder[content.field] = said;
      else if (rest.said !== '') {
        if (delta !== null) delta.content = rest.said;
        else choice.text = rest.said;
      }
    }
    if (mode === 'strip' || this.#summarised.has(index) || delta === null) return;
    const withheld = (this.#withheld.get(index) ?? '') + reasoning;
    this.#withheld.set(index, withheld);
    if ((said === '' && !finished) || withheld === '') return;
    delta.reasoning_content = summariseReasoning(withheld, this.gates.summaryChars);
    this.#summarised.add(index);
    this.#withheld.delete(index);
  }
}

/** The rewriter that applies `gates` to chat completion and completion answers. */
export function answerGate(gates: CapabilityGates): ResponseRewriter {
  return {
    rewriteBody(body: Buffer): Buffer {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return body;
      }
      if (!isObject(parsed)) return body;
      gateAnswer(parsed, gates);
      return Buffer.from(JSON.stringify(parsed), 'utf8');
    },
    stream: () => new StreamGate(gates),
  };
}

/** Runs `first` then `second` over the same answer (the gate, then the watermark); the header is the watermark's. */
export function chainRewriters(first: ResponseRewriter | undefined, second: ResponseRewriter | undefined): ResponseRewriter | undefined {
  if (first === undefined || second === undefined) return first ?? second;
  return {
    ...(second.header === undefined ? {} : { header: second.header }),
    rewriteBody: (body) => second.rewriteBody(first.rewriteBody(body)),
    stream: () => {
      const a = first.stream();
      const b = second.stream();
      return { push: (events) => b.push(a.push(events)), flush: () => b.push(a.flush()) + b.flush() };
    },
  };
}
