/**
 * The language-model student: trains a tokenizer and a transformer on (prompt, teacher answer)
 * pairs — sequence-level KD always, token-level KD where the teacher's top-k logprobs came with a
 * shared tokenizer — and generates with the decoder. Everything here but training runs anywhere
 * (no Node built-ins on the inference path).
 */
import { createRandom, shuffleInPlace } from '../../util/random.js';
import { languageModelConfig, parameterCountOf, type LanguageModelConfig } from './config.js';
import { decode, decodeSteps, type DecodeOptions } from './decoder.js';
import { TrainingSetTooSmallError } from './errors.js';
import { transformerStepModel } from './inference.js';
import { copySource } from './copy-spans.js';
import { jsonSchemaConstraint } from './json-constraint.js';
import { encodeExamples, promptTokens, type GenerationExample } from './sequences.js';
import { decodeLanguageModel, encodeLanguageModel, type DecodeLanguageModelOptions } from './serialise.js';
import { trainTokenizer, type Tokenizer } from './tokenizer.js';
import { DEFAULT_TRAINING, MINIMUM_TRAINING_EXAMPLES, trainLanguageModel, type EvaluationReport, type TrainingReport, type TrainingSettings } from './training.js';
import type { GenerateOptions, GenerationChunk, GenerativeStudent, LanguageModelTrainingSummary, StudentDecoding } from './types.js';
import { initialWeights, type LanguageModelWeights } from './weights.js';

/** How to build and train a language-model student. */
export interface LanguageModelStudentOptions {
  /** Model shape; the vocabulary size comes from the tokenizer. */
  config?: Partial<Omit<LanguageModelConfig, 'vocabularySize'>>;
  training?: Partial<TrainingSettings>;
  /** Vocabulary of the BPE tokenizer trained on the task's text (512–4096 in practice). */
  vocabularySize?: number;
  /** A tokenizer to use instead of training one (required for token-level KD: the teacher's ids must be in it). */
  tokenizer?: Tokenizer;
  /** Share of the examples held out for validation when no validation set is given. */
  validationShare?: number;
  onEvaluation?: (report: EvaluationReport) => void;
  /** Decoding defaults the student file keeps (default: nothing copied). */
  decoding?: StudentDecoding;
}

/** A generative student over trained weights. */
export function languageModelStudent(weights: LanguageModelWeights, tokenizer: Tokenizer, training?: LanguageModelTrainingSummary, decoding: StudentDecoding = { copyStrings: false }): GenerativeStudent {
  const model = transformerStepModel(weights);
  const decodeOptions = (prompt: string, options: GenerateOptions): DecodeOptions => {
    const { schema, copyStrings = decoding.copyStrings, ...rest } = options;
    return schema === undefined ? rest : { ...rest, constraint: jsonSchemaConstraint(schema, tokenizer, copyStrings ? copySource(prompt) : undefined) };
  };
  return {
    kind: 'lm',
    config: weights.config,
    training,
    tokenizer,
    decoding: Object.freeze({ ...decoding }),
    generate: (prompt, options = {}) => decode(model, tokenizer, promptTokens(tokenizer, prompt), decodeOptions(prompt, options)),
    async *stream(prompt, options = {}): AsyncGenerator<GenerationChunk> {
      const steps = decodeSteps(model, tokenizer, promptTokens(tokenizer, prompt), decodeOptions(prompt, options));
      let streamed = 0;
      for (;;) {
        const next = steps.next();
        if (next.done === true) {
          yield { text: next.value.text.slice(streamed), finishReason: next.value.finishReason };
          return;
        }
        streamed += next.value.text.length;
        yield next.value;
      }
    },
    toBytes: (storage = 'f32') => encodeLanguageModel({ weights, tokenizer, training, decoding }, storage),
    parameterCount: () => parameterCountOf(weights.config),
  };
}

/** Rebuilds a student from file bytes; StudentFileError for a corrupt, foreign or newer file. */
export function languageModelFromBytes(bytes: Uint8Array, options: DecodeLanguageModelOptions = {}): GenerativeStudent {
  const file = decodeLanguageModel(bytes, options);
  return languageModelStudent(file.weights, file.tokenizer, file.training, file.decoding);
}

/** Splits off a validation set deterministically when none is given. */
function splitValidation(examples: readonly GenerationExample[], share: number, seed: number): [GenerationExample[], GenerationExample[]] {
  const order = examples.map((_, index) => index);
  shuffleInPlace(order, createRandom(seed ^ 0x5eed));
  const held = Math.max(1, Math.round(examples.length * share));
  return [order.slice(held).map((index) => examples[index] as GenerationExample), order.slice(0, held).map((index) => examples[index] as GenerationExample)];
}

/** Trains a tokenizer (unless given) and a transformer on `examples`; returns the student and what training did. */
export function trainLanguageModelStudent(examples: readonly GenerationExample[], validationExamples: readonly GenerationExample[] | undefined, options: LanguageModelStudentOptions = {}): { student: GenerativeStudent; report: TrainingReport } {
  const settings: TrainingSettings = { ...DEFAULT_TRAINING, ...options.training };
  const needed = MINIMUM_TRAINING_EXAMPLES + (validationExamples === undefined ? 1 : 0);
  if (examples.length < needed) throw new TrainingSetTooSmallError(`training set too small: ${examples.length} examples; the language-model student needs at least ${needed}`);
  const [train, validation] = validationExamples === undefined ? splitValidation(examples, options.validationShare ?? 0.1, settings.seed) : [[...examples], [...validationExamples]];
  const tokenizer = options.tokenizer ?? trainTokenizer(train.flatMap((example) => [example.prompt, example.answer]), options.vocabularySize ?? 1024);
  const config = languageModelConfig({ ...options.config, vocabularySize: tokenizer.vocabularySize });
  const weights = initialWeights(config, settings.seed);
  const trainSequences = encodeExamples(tokenizer, train, config.context, 'training');
  const validationSequences = encodeExamples(tokenizer, validation, config.context, 'validation');
  const report = trainLanguageModel(weights, trainSequences, validationSequences, settings, options.onEvaluation);
  const summary: LanguageModelTrainingSummary = {
    stepsRun: report.stepsRun, bestStep: report.bestStep, stoppedEarly: report.stoppedEarly, validationLoss: report.bestValidationLoss,
    trainExamples: train.length, validationExamples: validation.length, seconds: report.seconds, tokensPerSecond: report.tokensPerSecond,
  };
  return { student: languageModelStudent(weights, tokenizer, summary, options.decoding), report };
}

/**
 * Continues training a saved student (its weights, tokenizer and shape) on `examples`, early-stopping on
 * `validationExamples` and keeping the best weights: the route's background retrain, cheaper than a fit
 * from scratch and with the tokenizer the calibrated student already has.
 */
export function continueTrainingLanguageModel(bytes: Uint8Array, examples: readonly GenerationExample[], validationExamples: readonly GenerationExample[], training: Partial<TrainingSettings> = {}, options: DecodeLanguageModelOptions = {}): { student: GenerativeStudent; report: TrainingReport } {
  const settings: TrainingSettings = { ...DEFAULT_TRAINING, ...training };
  if (examples.length < MINIMUM_TRAINING_EXAMPLES) throw new TrainingSetTooSmallError(`training set too small: ${examples.length} examples; the language-model student needs at least ${MINIMUM_TRAINING_EXAMPLES}`);
  const { weights, tokenizer } = decodeLanguageModel(bytes, options);
  const context = weights.config.context;
  // Examples longer than the student's context cannot be trained on; they are left out, not an error.
  const fits = (example: GenerationExample) => tokenizer.encode(example.prompt).length + tokenizer.encode(example.answer).length + 2 <= context;
  const validation = validationExamples.length > 0 ? validationExamples.filter(fits) : examples.filter(fits);
  const report = trainLanguageModel(weights, encodeExamples(tokenizer, examples.filter(fits), context, 'training'), encodeExamples(tokenizer, validation, context, 'validation'), settings);
  const summary: LanguageModelTrainingSummary = {
    stepsRun: report.stepsRun, bestStep: report.bestStep, stoppedEarly: report.stoppedEarly, validationLoss: report.bestValidationLoss,
    trainExamples: examples.length, validationExamples: validation.length, seconds: report.seconds, tokensPerSecond: report.tokensPerSecond,
  };
  return { student: languageModelStudent(weights, tokenizer, summary), report };
}
