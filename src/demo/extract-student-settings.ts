/**
 * The language-model student settings of the extract demo (`distillery demo extract`), chosen by a
 * measured sweep (bench/extract-student-sweep.ts; figures in docs/benchmarks.md, section
 * `generative`): the shape, tokenizer, training and decoding that reach the goal on
 * held-out sentences within the demo's 10-minute budget on 2 cores, or come closest to it.
 */
import type { LanguageModelConfig } from '../student/lm/config.js';
import type { TrainingSettings } from '../student/lm/training.js';

/** Everything that decides the extract demo's student. */
export interface ExtractStudentSettings {
  /** Sentences the teacher answers for training (the demo's teacher calls, test sentences aside). */
  teacherCalls: number;
  /** 'bpe': a byte-level BPE trained on the task's text; 'o200k': the teacher's tokenizer cut to the tokens seen. */
  tokenizer: 'bpe' | 'o200k';
  /** Vocabulary of the BPE tokenizer (ignored for 'o200k'). */
  vocabularySize: number;
  config: Omit<LanguageModelConfig, 'vocabularySize' | 'ropeTheta' | 'normEpsilon'>;
  training: Partial<TrainingSettings>;
  /** Share of the training answers held out for early stopping. */
  validationShare: number;
  /** Text put before the sentence in the student's prompt ('' = the sentence alone, the teacher's user message). */
  promptPrefix: string;
  /** Decode under the answer's JSON Schema. */
  constrained: boolean;
  /** Most answer tokens. */
  maxTokens: number;
}

/** The extract demo's student. */
export const EXTRACT_DEMO_STUDENT: Readonly<ExtractStudentSettings> = Object.freeze({
  teacherCalls: 2000,
  tokenizer: 'bpe',
  vocabularySize: 1024,
  config: Object.freeze({ width: 64, layers: 2, heads: 4, keyValueHeads: 2, hiddenWidth: 172, context: 192 }),
  training: Object.freeze({ steps: 800, batchSize: 16, learningRate: 3e-3, evaluateEvery: 100, patience: 4 }),
  validationShare: 0.05,
  promptPrefix: '',
  constrained: true,
  maxTokens: 96,
});
