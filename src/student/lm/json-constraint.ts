/**
 * JSON-Schema-constrained decoding: a byte-level pushdown matcher that accepts exactly the prefixes
 * of documents valid under a compiled schema, and a TokenConstraint that masks every token whose
 * bytes cannot continue the document (the end token only once it is complete). Every accepted
 * prefix can still be completed (no dead ends: a comma is refused when no key could follow, a
 * closing brace while a required key is missing), so a generation that ends with the end token
 * always parses and validates. Whitespace between tokens is allowed, up to a bound, so the model
 * cannot stall on it.
 *
 * With a copy source (the prompt), every string value (not a key) must also be a word-aligned span
 * of that text (copy-spans.ts): the matcher tracks where in the source the string's decoded bytes
 * (escapes included) can lie, refuses a byte no such span continues, and lets the closing quote
 * through only where a span may end. A string is never a dead end: a span extends to the source's
 * end, where it may always end.
 */
import type { TokenConstraint } from './decoder.js';
import { codePointAt, type CopySource } from './copy-spans.js';
import { ANY_SCHEMA, compileSchema, type JsonType, type SchemaNode } from './json-schema.js';
import type { Tokenizer } from './tokenizer.js';

const MAX_WHITESPACE = 40;
const MAX_NUMBER_BYTES = 24;
const encoder = new TextEncoder();

type NumberState = 'start' | 'minus' | 'zero' | 'integer' | 'dot' | 'fraction' | 'exponent' | 'exponentSign' | 'exponentDigits';
type Frame =
  | { kind: 'root'; done: boolean }
  | { kind: 'value'; node: SchemaNode; spaces: number }
  | { kind: 'literal'; candidates: readonly Uint8Array[]; typed: number }
  /** `spans`: under a copy source, the source offsets just past each place the value's bytes so far can lie; `code`: a \\u escape's digits so far. */
  | { kind: 'string'; escape: number; key: number[] | undefined; spans: readonly number[] | undefined; code: number }
  | { kind: 'number'; state: NumberState; integer: boolean; length: number }
  | { kind: 'object'; node: SchemaNode; phase: 'first' | 'key' | 'colon' | 'value' | 'afterValue'; seen: readonly string[]; key: string; spaces: number }
  | { kind: 'array'; node: SchemaNode; phase: 'first' | 'value' | 'afterValue'; spaces: number };

/** What one frame did with a byte. */
type Step = 'consumed' | 'reject' | 'done' | 'doneRefeed';

const isSpace = (byte: number): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
const isDigit = (byte: number): boolean => byte >= 0x30 && byte <= 0x39;
const allows = (node: SchemaNode, type: JsonType): boolean => node.types === undefined || node.types.has(type);
/** The byte each one-character escape (after the backslash) stands for. */
const SIMPLE_ESCAPES: ReadonlyMap<number, number> = new Map([[0x22, 0x22], [0x5c, 0x5c], [0x2f, 0x2f], [0x62, 0x08], [0x66, 0x0c], [0x6e, 0x0a], [0x72, 0x0d], [0x74, 0x09]]);
const LITERALS = { t: [encoder.encode('true')], f: [encoder.encode('false')], n: [encoder.encode('null')] };

/** Whether the object in `frame` can take another key. */
function keyRemains(frame: Extract<Frame, { kind: 'object' }>): boolean {
  return frame.node.additional !== undefined || [...frame.node.properties.keys()].some((name) => !frame.seen.includes(name));
}

/** A byte-level matcher for documents valid under one schema. */
export class JsonMatcher {
  private constructor(private readonly stack: Frame[], private readonly copy: CopySource | undefined) {}

  /** A matcher at the start of a document valid under `node`; with `copy`, string values must be spans of its text. */
  static start(node: SchemaNode, copy?: CopySource): JsonMatcher {
    return new JsonMatcher([{ kind: 'root', done: false }, { kind: 'value', node, spaces: 0 }], copy);
  }

  /** An independent copy. */
  clone(): JsonMatcher {
    return new JsonMatcher(this.stack.map((frame) => ({ ...frame })), this.copy);
  }

  /** True inside a string value (not a key, not copied) with no escape pending: then bytes other than quote, backslash and control characters are taken as they are. */
  inPlainString(): boolean {
    const top = this.stack[this.stack.length - 1] as Frame;
    return top.kind === 'string' && top.escape === 0 && top.key === undefined && top.spans === undefined;
  }

  /** True when the bytes so far are a whole valid document. */
  complete(): boolean {
    const top = this.stack[this.stack.length - 1] as Frame;
    if (top.kind === 'root') return top.done;
    if (this.stack.length !== 2) return false;
    if (top.kind === 'number') return ['zero', 'integer', 'fraction', 'exponentDigits'].includes(top.state);
    return top.kind === 'literal' && top.candidates.some((candidate) => candidate.length === top.typed);
  }

  /** Feeds one byte; false (and the matcher is then unusable) when no valid document continues so. */
  feed(byte: number): boolean {
    for (;;) {
      const top = this.stack[this.stack.length - 1] as Frame;
      const step = this.step(top, byte);
      if (step === 'consumed') return true;
      if (step === 'reject') return false;
      this.stack.pop();
      if (!this.childDone(top)) return false;
      if (step === 'done') return true;
    }
  }

  /** Feeds bytes; false as soon as one is refused. */
  feedAll(bytes: Uint8Array): boolean {
    for (const byte of bytes) if (!this.feed(byte)) return false;
    return true;
  }

  private push(frame: Frame): void {
    this.stack.push(frame);
  }

  /** The parent's transition when its child value (or key) completes. */
  private childDone(child: Frame): boolean {
    const parent = this.stack[this.stack.length - 1] as Frame;
    if (parent.kind === 'root') { parent.done = true; return true; }
    if (parent.kind === 'array') { parent.phase = 'afterValue'; parent.spaces = 0; return true; }
    if (parent.kind !== 'object') return false;
    if (parent.phase === 'value') { parent.phase = 'afterValue'; parent.spaces = 0; return true; }
    const key = child.kind === 'literal'
      ? JSON.parse(new TextDecoder().decode((child.candidates.find((candidate) => candidate.length === child.typed) as Uint8Array))) as string
      : JSON.parse(new TextDecoder().decode(Uint8Array.from([0x22, ...(child.kind === 'string' ? child.key ?? [] : []), 0x22]))) as string;
    if (parent.seen.includes(key)) return false;
    parent.seen = [...parent.seen, key];
    parent.key = key;
    parent.phase = 'colon';
    parent.spaces = 0;
    return true;
  }

  private step(frame: Frame, byte: number): Step {
    switch (frame.kind) {
      // The root takes nothing after its value: only the end token may follow.
      case 'root': return 'reject';
      case 'value': return this.startValue(frame, byte);
      case 'literal': return this.literal(frame, byte);
      case 'string': return this.string(frame, byte);
      case 'number': return this.number(frame, byte);
      case 'object': return this.object(frame, byte);
      case 'array': return this.array(frame, byte);
    }
  }

  /** Replaces a pending value by the frame its first byte starts. */
  private startValue(frame: Extract<Frame, { kind: 'value' }>, byte: number): Step {
    if (isSpace(byte)) return ++frame.spaces <= MAX_WHITESPACE ? 'consumed' : 'reject';
    const { node } = frame;
    let next: Frame | undefined;
    if (node.literals !== undefined) next = { kind: 'literal', candidates: node.literals, typed: 0 };
    else if (byte === 0x7b && allows(node, 'object')) next = { kind: 'object', node, phase: 'first', seen: [], key: '', spaces: 0 };
    else if (byte === 0x5b && allows(node, 'array')) next = { kind: 'array', node, phase: 'first', spaces: 0 };
    else if (byte === 0x22 && allows(node, 'string')) next = { kind: 'string', escape: 0, key: undefined, spans: this.copy?.starts, code: 0 };
    else if ((byte === 0x2d || isDigit(byte)) && (allows(node, 'number') || allows(node, 'integer'))) next = { kind: 'number', state: 'start', integer: !allows(node, 'number'), length: 0 };
    else if ((byte === 0x74 || byte === 0x66) && allows(node, 'boolean')) next = { kind: 'literal', candidates: byte === 0x74 ? LITERALS.t : LITERALS.f, typed: 0 };
    else if (byte === 0x6e && allows(node, 'null')) next = { kind: 'literal', candidates: LITERALS.n, typed: 0 };
    if (next === undefined) return 'reject';
    this.stack[this.stack.length - 1] = next;
    if (next.kind === 'object' || next.kind === 'array' || next.kind === 'string') return 'consumed';
    return this.step(next, byte);
  }

  private literal(frame: Extract<Frame, { kind: 'literal' }>, byte: number): Step {
    const matching = frame.candidates.filter((candidate) => candidate.length > frame.typed && candidate[frame.typed] === byte);
    if (matching.length === 0) return frame.candidates.some((candidate) => candidate.length === frame.typed) ? 'doneRefeed' : 'reject';
    frame.candidates = matching;
    frame.typed++;
    // A quoted literal ends with its closing quote; nothing can extend it.
    if (byte === 0x22 && frame.typed > 1 && matching.every((candidate) => candidate.length === frame.typed)) return 'done';
    return 'consumed';
  }

  private string(frame: Extract<Frame, { kind: 'string' }>, byte: number): Step {
    if (frame.escape > 1) {
      // Inside \uXXXX: hex digits only.
      const hex = isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
      if (!hex) return 'reject';
      frame.code = frame.code * 16 + Number.parseInt(String.fromCharCode(byte), 16);
      frame.escape--;
      // A copied string's digits so far must begin the code of a character some span continues with.
      if (frame.spans !== undefined && !this.escapable(frame, (code) => code >> (4 * (frame.escape - 1)) === frame.code)) return 'reject';
      if (frame.escape === 1) {
        frame.escape = 0;
        // A copied string holds the escaped character's UTF-8 bytes; a lone surrogate has none.
        if (frame.spans !== undefined && !this.copyBytes(frame, frame.code >= 0xd800 && frame.code <= 0xdfff ? undefined : encoder.encode(String.fromCharCode(frame.code)))) return 'reject';
      }
    } else if (frame.escape === 1) {
      const simple = SIMPLE_ESCAPES.get(byte);
      if (byte === 0x75) { frame.escape = 5; frame.code = 0; }
      else if (simple !== undefined) { frame.escape = 0; if (frame.spans !== undefined && !this.copyBytes(frame, Uint8Array.of(simple))) return 'reject'; }
      else return 'reject';
    } else if (byte === 0x22) {
      // The empty string (spans still the source's starts) or a span that may end here.
      return frame.spans === undefined || frame.spans === this.copy?.starts || frame.spans.some((end) => this.copy?.ends[end] === 1) ? 'done' : 'reject';
    }
    else if (byte === 0x5c) {
      if (frame.spans !== undefined && !this.escapable(frame, () => true)) return 'reject';
      frame.escape = 1;
    } else if (byte < 0x20) return 'reject';
    else if (frame.spans !== undefined && !this.copyBytes(frame, Uint8Array.of(byte))) return 'reject';
    if (frame.key !== undefined) frame.key = [...frame.key, byte];
    return 'consumed';
  }

  /** Whether some span of a copied string continues with a character a \\u escape can write (BMP) and `accepts`. */
  private escapable(frame: Extract<Frame, { kind: 'string' }>, accepts: (code: number) => boolean): boolean {
    const source = (this.copy as CopySource).bytes;
    return (frame.spans as readonly number[]).some((end) => {
      const code = codePointAt(source, end);
      return code !== undefined && code <= 0xffff && accepts(code);
    });
  }

  /** Moves a copied string's spans past `bytes` (the decoded bytes of one character or escape); false when no span continues so. */
  private copyBytes(frame: Extract<Frame, { kind: 'string' }>, bytes: Uint8Array | undefined): boolean {
    const { bytes: source, lastEnd } = this.copy as CopySource;
    if (bytes === undefined) return false;
    let spans = frame.spans as readonly number[];
    // Kept only where the span can still reach an offset where it may end (no dead ends).
    for (const byte of bytes) spans = spans.filter((end) => source[end] === byte && end < lastEnd).map((end) => end + 1);
    frame.spans = spans;
    return spans.length > 0;
  }

  private number(frame: Extract<Frame, { kind: 'number' }>, byte: number): Step {
    const transitions: Record<NumberState, (b: number) => NumberState | undefined> = {
      start: (b) => (b === 0x2d ? 'minus' : b === 0x30 ? 'zero' : isDigit(b) ? 'integer' : undefined),
      minus: (b) => (b === 0x30 ? 'zero' : isDigit(b) ? 'integer' : undefined),
      zero: (b) => (frame.integer ? undefined : b === 0x2e ? 'dot' : b === 0x65 || b === 0x45 ? 'exponent' : undefined),
      integer: (b) => (isDigit(b) ? 'integer' : frame.integer ? undefined : b === 0x2e ? 'dot' : b === 0x65 || b === 0x45 ? 'exponent' : undefined),
      dot: (b) => (isDigit(b) ? 'fraction' : undefined),
      fraction: (b) => (isDigit(b) ? 'fraction' : b === 0x65 || b === 0x45 ? 'exponent' : undefined),
      exponent: (b) => (b === 0x2b || b === 0x2d ? 'exponentSign' : isDigit(b) ? 'exponentDigits' : undefined),
      exponentSign: (b) => (isDigit(b) ? 'exponentDigits' : undefined),
      exponentDigits: (b) => (isDigit(b) ? 'exponentDigits' : undefined),
    };
    const next = frame.length < MAX_NUMBER_BYTES ? transitions[frame.state](byte) : undefined;
    if (next !== undefined) { frame.state = next; frame.length++; return 'consumed'; }
    return ['zero', 'integer', 'fraction', 'exponentDigits'].includes(frame.state) ? 'doneRefeed' : 'reject';
  }

  private object(frame: Extract<Frame, { kind: 'object' }>, byte: number): Step {
    if (isSpace(byte)) return ++frame.spaces <= MAX_WHITESPACE ? 'consumed' : 'reject';
    frame.spaces = 0;
    const { node } = frame;
    if ((frame.phase === 'first' || frame.phase === 'key') && byte === 0x22) {
      frame.phase = 'key';
      if (node.additional !== undefined) { this.push({ kind: 'string', escape: 0, key: [], spans: undefined, code: 0 }); return 'consumed'; }
      const candidates = [...node.properties.keys()].filter((name) => !frame.seen.includes(name)).map((name) => encoder.encode(JSON.stringify(name)));
      const literal: Frame = { kind: 'literal', candidates, typed: 0 };
      this.push(literal);
      return this.literal(literal, byte);
    }
    if ((frame.phase === 'first' || frame.phase === 'afterValue') && byte === 0x7d) {
      return node.required.every((name) => frame.seen.includes(name)) ? 'done' : 'reject';
    }
    if (frame.phase === 'afterValue' && byte === 0x2c) {
      if (!keyRemains(frame)) return 'reject';
      frame.phase = 'key';
      return 'consumed';
    }
    if (frame.phase === 'colon' && byte === 0x3a) {
      frame.phase = 'value';
      this.push({ kind: 'value', node: node.properties.get(frame.key) ?? (node.additional as SchemaNode), spaces: 0 });
      return 'consumed';
    }
    return 'reject';
  }

  private array(frame: Extract<Frame, { kind: 'array' }>, byte: number): Step {
    if (isSpace(byte)) return ++frame.spaces <= MAX_WHITESPACE ? 'consumed' : 'reject';
    frame.spaces = 0;
    if ((frame.phase === 'first' || frame.phase === 'afterValue') && byte === 0x5d) return 'done';
    if (frame.phase === 'afterValue' && byte === 0x2c) { frame.phase = 'value'; this.push({ kind: 'value', node: frame.node.items ?? ANY_SCHEMA, spaces: 0 }); return 'consumed'; }
    if (frame.phase === 'first') {
      frame.phase = 'value';
      const value: Frame = { kind: 'value', node: frame.node.items ?? ANY_SCHEMA, spaces: 0 };
      this.push(value);
      return this.step(value, byte);
    }
    return 'reject';
  }
}

/** A TokenConstraint that keeps the output a valid prefix of a document matching `schema`; with `copy`, every string value is a span of its text. */
export function jsonSchemaConstraint(schema: unknown, tokenizer: Tokenizer, copy?: CopySource): TokenConstraint {
  const matcher = JsonMatcher.start(compileSchema(schema), copy);
  const firstByte = new Uint8Array(256);
  const isPlain = (bytes: Uint8Array): boolean => bytes.every((byte) => byte >= 0x20 && byte !== 0x22 && byte !== 0x5c);
  const plain = Uint8Array.from({ length: tokenizer.vocabularySize }, (_, token) => (isPlain(tokenizer.tokenBytes(token)) ? 1 : 0));
  return {
    allowedTokens(mask) {
      mask.fill(0);
      // Which first bytes can continue at all: many tokens are ruled out by their first byte alone,
      // and inside a string a token of plain bytes needs no matching at all.
      for (let byte = 0; byte < 256; byte++) firstByte[byte] = matcher.clone().feed(byte) ? 1 : 0;
      const inString = matcher.inPlainString();
      for (let token = 0; token < mask.length; token++) {
        const bytes = tokenizer.tokenBytes(token);
        if (bytes.length === 0 || firstByte[bytes[0] as number] === 0) continue;
        if (bytes.length === 1 || (inString && plain[token] === 1) || matcher.clone().feedAll(bytes)) mask[token] = 1;
      }
      if (matcher.complete()) mask[tokenizer.endToken] = 1;
    },
    accept(token) {
      if (!matcher.feedAll(tokenizer.tokenBytes(token))) throw new Error(`token ${token} does not continue a valid JSON document (it was not allowed)`);
    },
  };
}
