/**
 * VS Code's programming-language detector (@vscode/vscode-languagedetection) behind a queue: the
 * TensorFlow.js model is not re-entrant-friendly and one call already uses the CPU fully, so calls run
 * one at a time in arrival order.
 */
import languageDetection from '@vscode/vscode-languagedetection';

/** One language with the model's confidence (a probability; all 54 sum to 1). */
export interface LanguageGuess {
  languageId: string;
  confidence: number;
}

/** A serialised detector. */
export interface LanguageDetector {
  /** All languages sorted by confidence, highest first; [] when the text is too short for the model. */
  detect(text: string): Promise<LanguageGuess[]>;
  /** Frees the model. */
  dispose(): void;
}

// The package is CommonJS: its named export is reachable only through the default import under NodeNext.
const { ModelOperations } = languageDetection;

/** The part of ModelOperations the detector uses (a seam for tests). */
export interface LanguageModel {
  runModel(text: string): Promise<LanguageGuess[]>;
  dispose(): void;
}

/** Creates a detector whose calls never overlap; `model` defaults to the packaged guesslang model. */
export function createLanguageDetector(model: LanguageModel = new ModelOperations()): LanguageDetector {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    detect(text) {
      const result = queue.then(() => model.runModel(text));
      // A failed call must not block the ones behind it.
      queue = result.catch(() => undefined);
      return result;
    },
    dispose: () => model.dispose(),
  };
}
