/**
 * The answer side of the capability gates: reasoning content stripped or summarised, logprobs the
 * request was not allowed taken out (should the upstream send them anyway), and choices beyond the
 * `n` cap dropped; a JSON answer whole, an SSE stream event by event.
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
    if (message === null) continue;
    const reasoning = takeReasoning(message);
    if (gates.reasoning === 'summary' && reasoning !== '') message.reasoning_content = summariseReasoning(reasoning, gates.summaryChars);
  }
}

/** Gates the events of one streamed answer; a summary is sent with a choice's first content, or its end. */
class StreamGate implements StreamRewriter {
  /** Per choice index: the reasoning withheld so far, until its summary is sent. */
  readonly #withheld = new Map<number, string>();
  readonly #summarised = new Set<number>();

  constructor(readonly gates: CapabilityGates) {}

  push(events: string): string {
    if (events === '') return '';
    return events.split(/(?<=\n\n)/u).map((event) => this.#event(event)).join('');
  }

  flush(): string {
    return '';
  }

  #event(event: string): string {
    const lines = event.replace(/\n+$/u, '').split('\n');
    const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
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
    for (const choice of choices) this.#choice(choice);
    // An event whose every choice was beyond the `n` cap is dropped (the usage chunk has no choices to begin with).
    if (choices.length === 0 && before > 0) return '';
    const other = lines.filter((line) => !line.startsWith('data:'));
    return `${[...other, `data: ${JSON.stringify(parsed)}`].join('\n')}\n\n`;
  }

  #choice(choice: Json): void {
    gateLogprobs(choice, this.gates);
    const mode = this.gates.reasoning;
    if ((mode !== 'strip' && mode !== 'summary') || !isObject(choice.delta)) return;
    const delta = choice.delta;
    const index = typeof choice.index === 'number' ? choice.index : 0;
    const reasoning = takeReasoning(delta);
    if (mode === 'strip' || this.#summarised.has(index)) return;
    const withheld = (this.#withheld.get(index) ?? '') + reasoning;
    this.#withheld.set(index, withheld);
    const answering = (typeof delta.content === 'string' && delta.content !== '') || (choice.finish_reason !== null && choice.finish_reason !== undefined);
    if (!answering || withheld === '') return;
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
