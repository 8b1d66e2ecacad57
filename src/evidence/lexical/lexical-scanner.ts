/**
 * Finds the words the lexical watermark may touch, in one pass that works the same on a whole text
 * and on a stream cut at whitespace (so a streamed answer is marked exactly as the plain one).
 * Never touched: fenced (```) and inline (`) code, quoted text ("…" and “…”), {…} spans (JSON
 * strings inside them included), a text that begins with `{` or `[` (it may be JSON), URLs and
 * emails, dotted names (file names such as index.js, module paths), words joined to others by an apostrophe, hyphen, digit or non-ASCII letter, ALL-CAPS words
 * and capitalised words not at the start of a sentence (likely names). An unclosed region protects
 * the rest of the text: a stream cannot know whether it will close.
 */
import { DEFAULT_LEXICAL_CONTEXT, lexicalContext, type LexicalContextMode } from './lexical-context.js';
import type { SynonymTable } from './synonyms.js';

/** Decides the word at an eligible position: gets the lowercase word, its set and its context (lexical-context.ts, from the previous word); returns the lowercase word to write. */
export type WordVisitor = (word: string, setIndex: number, context: string) => string;

type Mode = 'text' | 'whole' | 'fence' | 'inline' | 'quote' | 'curly' | 'brace';

/** A whitespace-free run that is a URL or an email address. */
const URL_OR_EMAIL = /:\/\/|^(?:[("'“]*)www\.|[^\s@]@[^\s@]+\.[^\s@]/iu;
/** A dot between two word characters: a file name, a module path, a domain ("index.js", "os.path"). */
const DOTTED_NAME = /[\p{L}\p{N}_]\.[\p{L}\p{N}_]/u;
/** A word and what it is glued to: letters, digits, apostrophes, hyphens, underscores. */
const WORDISH = /[\p{L}\p{N}_'’-]+/uy;
const PLAIN_WORD = /^[A-Za-z]+$/;

/** The scanner's state between segments; one per text or stream. */
export class LexicalScanner {
  #mode: Mode = 'text';
  #started = false;
  #ticks = 0;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #context = '';
  #sentenceStart = true;

  constructor(readonly table: SynonymTable, readonly visit: WordVisitor, readonly context: LexicalContextMode = DEFAULT_LEXICAL_CONTEXT) {}

  /** Processes a segment that ends at whitespace (or the end of the text); returns it with the visitor's words in place. */
  process(segment: string): string {
    let out = '';
    for (const run of segment.match(/\s+|\S+/gu) ?? []) {
      if (/^\s/u.test(run)) {
        if (run.includes('\n') && this.#mode === 'text') this.#sentenceStart = true;
        out += run;
        continue;
      }
      if (!this.#started) {
        this.#started = true;
        if (run.startsWith('{') || run.startsWith('[')) this.#mode = 'whole';
      }
      if (this.#mode === 'whole') out += run;
      else out += this.#run(run, !(this.#mode === 'text' && (URL_OR_EMAIL.test(run) || DOTTED_NAME.test(run))));
    }
    return out;
  }

  /** One whitespace-free run, character by character through the modes. */
  #run(run: string, wordsAllowed: boolean): string {
    if (!wordsAllowed) this.#context = '';
    let out = '';
    let at = 0;
    while (at < run.length) {
      const char = run[at] as string;
      if (char === '`') {
        let ticks = 1;
        while (run[at + ticks] === '`') ticks += 1;
        this.#backticks(ticks);
        out += run.slice(at, at + ticks);
        at += ticks;
        continue;
      }
      if (this.#mode === 'text') {
        WORDISH.lastIndex = at;
        const match = WORDISH.exec(run);
        if (match !== null) {
          out += wordsAllowed ? this.#word(match[0]) : match[0];
          at += match[0].length;
          continue;
        }
        this.#enter(char);
        if (char === '.' || char === '!' || char === '?') this.#sentenceStart = true;
      } else this.#inside(char);
      out += char;
      at += 1;
    }
    return out;
  }

  /** A run of backticks: opens or closes code (``` and longer fence, shorter is inline). */
  #backticks(ticks: number): void {
    if (this.#mode === 'text') {
      this.#mode = ticks >= 3 ? 'fence' : 'inline';
      this.#ticks = ticks;
      this.#context = '';
    } else if ((this.#mode === 'fence' && ticks >= this.#ticks) || (this.#mode === 'inline' && ticks === this.#ticks)) {
      this.#mode = 'text';
    }
  }

  /** A character of text that may open a protected region. */
  #enter(char: string): void {
    if (char === '"') this.#mode = 'quote';
    else if (char === '“') this.#mode = 'curly';
    else if (char === '{') {
      this.#mode = 'brace';
      this.#depth = 1;
      this.#inString = false;
    } else return;
    this.#context = '';
  }

  /** A character inside a protected region: only its end matters. */
  #inside(char: string): void {
    if (this.#mode === 'quote' && char === '"') this.#mode = 'text';
    else if (this.#mode === 'curly' && char === '”') this.#mode = 'text';
    else if (this.#mode === 'brace') {
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (char === '\\') this.#escaped = true;
        else if (char === '"') this.#inString = false;
      } else if (char === '"') this.#inString = true;
      else if (char === '{') this.#depth += 1;
      else if (char === '}') {
        this.#depth -= 1;
        if (this.#depth === 0) this.#mode = 'text';
      }
    }
  }

  /** One word of text: the visitor's choice when it is eligible, else as written; either way the next word's context. */
  #word(word: string): string {
    const sentenceStart = this.#sentenceStart;
    this.#sentenceStart = false;
    let written = word;
    const lower = word.toLowerCase();
    const setIndex = PLAIN_WORD.test(word) ? this.table.setOf(lower) : undefined;
    if (setIndex !== undefined) {
      const titled = word.length > 1 && word[0] !== lower[0] && word.slice(1) === lower.slice(1);
      if (word === lower || (titled && sentenceStart)) {
        const chosen = this.visit(lower, setIndex, lexicalContext(this.#context, this.context));
        written = word === lower ? chosen : chosen.charAt(0).toUpperCase() + chosen.slice(1);
      }
    }
    this.#context = written.toLowerCase();
    return written;
  }
}

/** Runs a scanner over a stream: holds text back to the last whitespace, so a word is never cut. */
export class WhitespaceCutter {
  #pending = '';

  constructor(readonly scanner: LexicalScanner) {}

  /** Feeds text; returns what can be passed on now. */
  push(text: string): string {
    this.#pending += text;
    const cut = lastWhitespace(this.#pending);
    if (cut < 0) return '';
    const ready = this.#pending.slice(0, cut + 1);
    this.#pending = this.#pending.slice(cut + 1);
    return this.scanner.process(ready);
  }

  /** The rest, at the end of the stream. */
  flush(): string {
    const rest = this.#pending;
    this.#pending = '';
    return this.scanner.process(rest);
  }
}

/** Index of the last whitespace character, or -1. */
function lastWhitespace(text: string): number {
  for (let index = text.length - 1; index >= 0; index -= 1) if (/\s/u.test(text[index] as string)) return index;
  return -1;
}
