/**
 * The language-model student's errors: one clear line each, typed so callers use `instanceof`.
 * All are bad input (a config, a training set, a prompt, a schema), so they are UsageErrors in
 * Distillery's one hierarchy (exit code 2, HTTP 400); file problems reuse the container's
 * StudentFileError.
 */
import { UsageError } from '../../util/errors.js';

/** Base of every language-model student error. */
export class LanguageModelError extends UsageError {
  override readonly name: string = 'LanguageModelError';
}

/** A config whose shapes do not fit together. */
export class LanguageModelConfigError extends LanguageModelError {
  override readonly name: string = 'LanguageModelConfigError';
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
