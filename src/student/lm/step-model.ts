/**
 * The tiny interface the decoder drives: one token in, next-token logits out, with a cache the
 * model owns. The transformer implements it (inference.ts); tests drive the decoder with toy models.
 */

/** A model that can be run one token at a time. */
export interface StepModel<Cache = unknown> {
  readonly vocabularySize: number;
  /** Longest sequence (prompt plus generated tokens) the model takes. */
  readonly context: number;
  /** A fresh, empty cache for one sequence. */
  newCache(): Cache;
  /** Logits for the token after `token` at `position` (0-based, consecutive per cache); valid until the next call. */
  forwardStep(token: number, position: number, cache: Cache): Float32Array;
}
