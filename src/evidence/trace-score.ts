/**
 * The running score of a whole trace (Sander et al. 2024, "Watermarking makes language models
 * radioactive"): every answer's tokens go through the detector with one shared set of tuples already
 * seen, so a (context window, token) tuple counts once across the run however often the suspect
 * repeats it, and tuples that also occur in the prompt are skipped, since an answer may simply copy
 * them (without that filter a clean model quoting a watermarked prompt would look radioactive).
 */
import { binomialUpperTail, regularizedUpperGamma } from './statistics.js';
import { MINIMUM_SCORED_TUPLES } from './context-prf.js';
import { detectGumbel } from './gumbel.js';
import { detectKgw } from './kgw.js';
import type { WatermarkKey } from './watermark-key.js';

/** One point of the p-value curve: after `answers` answers, `scored` tuples gave log10 p. */
export interface TracePoint {
  answers: number;
  /** Tokens received (before de-duplication). */
  tokens: number;
  scored: number;
  log10P: number;
}

/** The score so far. */
export interface TraceScore {
  /** Tokens received, before de-duplication and the prompt filter. */
  tokens: number;
  /** Distinct tuples scored. */
  scored: number;
  /** Tuples with a full window skipped because the run had scored them already or the prompt held them. */
  skipped: number;
  /** KGW: green tuples among the scored ones; Gumbel: Σ −ln(1 − r). */
  statistic: number;
  pValue: number;
  log10P: number;
  enoughEvidence: boolean;
}

/** Accumulates one trace's tuples across answers. */
export class TraceScorer {
  readonly #key: WatermarkKey;
  readonly #seen = new Set<string>();
  #tokens = 0;
  #scored = 0;
  #skipped = 0;
  #statistic = 0;

  /** A scorer for `key` (KGW or Gumbel). */
  constructor(key: WatermarkKey) {
    this.#key = key;
  }

  /** Scores the new tuples of one answer (`tokens`), skipping tuples of its prompt (`promptTokens`). */
  add(tokens: readonly number[], promptTokens: readonly number[] = []): void {
    this.#tokens += tokens.length;
    this.#scoreSequence(tokens, promptTokens);
  }

  /** Scores one tuple: the token `predicted` after the window `context` (reading mode); ignored when `context` is shorter than h. */
  addTuple(context: readonly number[], predicted: number): void {
    const width = this.#key.contextWidth;
    if (context.length < width) return;
    this.#tokens += 1;
    this.#scoreSequence([...context.slice(context.length - width), predicted], []);
  }

  /** Runs the detector over `tokens` with the run's shared set of seen tuples. */
  #scoreSequence(tokens: readonly number[], promptTokens: readonly number[]): void {
    const options = { seen: this.#seen, promptTokens };
    const result = this.#key.scheme === 'kgw' ? detectKgw(this.#key, tokens, options) : detectGumbel(this.#key, tokens, options);
    this.#scored += result.scored;
    this.#skipped += Math.max(0, tokens.length - this.#key.contextWidth) - result.scored;
    this.#statistic += 'green' in result ? result.green : result.score;
  }

  /** The score so far, with its exact p-value. */
  score(): TraceScore {
    const scored = this.#scored;
    const tail = scored === 0 ? { p: 1, log10P: 0 } : this.#key.scheme === 'kgw' ? binomialUpperTail(this.#statistic, scored, this.#key.gamma) : regularizedUpperGamma(scored, this.#statistic);
    return { tokens: this.#tokens, scored, skipped: this.#skipped, statistic: this.#statistic, pValue: tail.p, log10P: tail.log10P, enoughEvidence: scored >= MINIMUM_SCORED_TUPLES };
  }
}
