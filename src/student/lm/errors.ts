/**
 * The language-model student's errors: one clear line each, typed so callers use `instanceof`.
 * (No common Distillery error base exists yet; these extend Error, and file problems reuse
 * StudentFileError from the container.)
 */

/** Base of every language-model student error. */
export class LanguageModelError extends Error {
  override readonly name: string = 'LanguageModelError';
}

/** A config whose shapes do not fit together. */
export class LanguageModelConfigError extends LanguageModelError {
  override readonly name = 'LanguageModelConfigError';
}

/** Too few training examples to train and validate on. */
export class TrainingSetTooSmallError extends LanguageModelError {
  override readonly name = 'TrainingSetTooSmallError';
}

/** A sequence longer than the model's context. */
export class ContextLengthError extends LanguageModelError {
  override readonly name = 'ContextLengthError';
}

/** A JSON Schema using a keyword constrained decoding does not support (or an invalid schema). */
export class UnsupportedSchemaError extends LanguageModelError {
  override readonly name = 'UnsupportedSchemaError';
}
