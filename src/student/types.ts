/**
 * The student seam: every student kind (n-gram, MLP) implements `Student`, is created
 * through the registry in `registry.ts`, and is saved as one versioned file.
 */

/** One training example: the input text, the teacher's soft distribution (or null), its hard label. */
export interface TrainingExample {
  text: string;
  /**
   * The input as a feature vector, for students that take vectors (the MLP): when present it is
   * used instead of parsing `text`, so callers holding vectors need not format them as text.
   */
  features?: Float32Array;
  /** Index of the hard label (teacher's answer) in the label list. */
  label: number;
  /** Teacher probability over labels (sums to 1), or null when only a hard label is known. */
  soft: Float32Array | number[] | null;
}

/** What one prediction returns. */
export interface Prediction {
  label: string;
  /** Index of `label` in `labels`. */
  index: number;
  /** Probability over `labels` (sums to 1). */
  probabilities: Float32Array;
}

/** Per-epoch progress of training. */
export interface EpochReport {
  epoch: number;
  trainLoss: number;
  validationLoss: number;
  validationAgreement: number;
  /** True when this epoch is the best so far (its weights are the ones kept). */
  improved: boolean;
  seconds: number;
}

/** The outcome of `fit`. */
export interface FitReport {
  epochs: EpochReport[];
  bestEpoch: number;
  stoppedEarly: boolean;
  seconds: number;
  /** Training examples per second over the training passes (featurising once and validation excluded). */
  examplesPerSecond: number;
  /** Word tokens per second, counted the same way. */
  tokensPerSecond: number;
  /** For `kind: auto`: every candidate trained and which was picked (by validation agreement). */
  candidates?: CandidateReport[];
}

/** One candidate `kind: auto` trained. */
export interface CandidateReport { name: string; kind: string; validationAgreement: number; parameters: number; seconds: number; chosen: boolean }

export interface FitOptions {
  onEpoch?: (report: EpochReport) => void;
  signal?: AbortSignal;
  /** Inputs with no teacher answer: `student.pretrain: inputs` pre-trains on them too (with the training and validation texts). */
  unlabelledTexts?: readonly string[];
}

/** A trained (or trainable) student model. */
export interface Student {
  readonly kind: string;
  readonly labels: readonly string[];
  /** Trains on `train`, early-stopping on `validation`; deterministic for a given seed. */
  fit(train: readonly TrainingExample[], validation: readonly TrainingExample[], options?: FitOptions): FitReport;
  predict(text: string): Prediction;
  /** Serialises to the student file format (one compact versioned file). */
  toBytes(): Uint8Array;
  /** Number of parameters actually stored. */
  parameterCount(): number;
}

/** What training left in a student file's header (shared by every student kind). */
export interface TrainingSummary {
  bestEpoch: number;
  epochsRun: number;
  stoppedEarly: boolean;
  validationLoss: number;
  validationAgreement: number;
  trainExamples: number;
  validationExamples: number;
  seconds: number;
  examplesPerSecond: number;
}
