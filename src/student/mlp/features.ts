/**
 * Feature vectors for the MLP student. The `Student` seam speaks text, so a vector travels as text
 * ("0.1, 0.5 0" — numbers separated by commas and/or white space); code that already holds vectors
 * passes `TrainingExample.features` and calls `predictVector`, skipping the formatting entirely.
 */
import type { TrainingExample } from '../types.js';

/** Examples packed for batched training: row i of `features` is example i. */
export interface VectorSet {
  count: number;
  inputSize: number;
  /** count × inputSize. */
  features: Float32Array;
  labels: Int32Array;
  /** Teacher distributions (count × labels); rows of examples without one are unused. */
  soft: Float32Array;
  hasSoft: Uint8Array;
}

/** Parses "1, 2.5 -3" into a vector; with `expectedLength`, any other length is an error naming both. */
export function parseFeatureVector(text: string, expectedLength: number | null = null): Float32Array {
  const tokens = text.trim().split(/[\s,]+/).filter((token) => token.length > 0);
  if (tokens.length === 0) throw new RangeError('expected a feature vector (numbers separated by commas or spaces), got no numbers');
  const vector = new Float32Array(tokens.length);
  tokens.forEach((token, index) => {
    const value = Number(token);
    if (!Number.isFinite(value)) throw new RangeError(`feature ${index} ("${token.slice(0, 20)}") is not a finite number`);
    vector[index] = value;
  });
  checkLength(vector, expectedLength);
  return vector;
}

/** Throws when a vector's length differs from the model's input size. */
export function checkLength(vector: ArrayLike<number>, expectedLength: number | null, where = 'feature vector'): void {
  if (expectedLength !== null && vector.length !== expectedLength) {
    throw new RangeError(`${where} has ${vector.length} numbers, expected ${expectedLength} (the student's input size)`);
  }
}

/** An example's vector: its `features` when given, else parsed from its text. */
function exampleVector(example: TrainingExample, expectedLength: number | null, where: string): Float32Array {
  if (example.features !== undefined) {
    checkLength(example.features, expectedLength, `${where} feature vector`);
    return example.features;
  }
  try {
    return parseFeatureVector(example.text, expectedLength);
  } catch (error) {
    throw new RangeError(`${where}: ${(error as Error).message}`);
  }
}

/** Checks and packs examples; `inputSize` null takes it from the first example. */
export function packExamples(examples: readonly TrainingExample[], labelCount: number, inputSize: number | null, setName: string): VectorSet {
  const first = examples[0];
  const size = inputSize ?? (first === undefined ? 0 : exampleVector(first, null, `${setName} example 0`).length);
  const set: VectorSet = { count: examples.length, inputSize: size, features: new Float32Array(examples.length * size), labels: new Int32Array(examples.length), soft: new Float32Array(examples.length * labelCount), hasSoft: new Uint8Array(examples.length) };
  examples.forEach((example, index) => {
    const where = `${setName} example ${index}`;
    if (!Number.isInteger(example.label) || example.label < 0 || example.label >= labelCount) throw new RangeError(`${where}: label ${example.label} is not an index into the ${labelCount} labels`);
    if (example.soft !== null && example.soft.length !== labelCount) throw new RangeError(`${where}: soft label has ${example.soft.length} entries, expected ${labelCount}`);
    set.features.set(exampleVector(example, size, where), index * size);
    set.labels[index] = example.label;
    if (example.soft === null) return;
    set.soft.set(example.soft, index * labelCount);
    set.hasSoft[index] = 1;
  });
  return set;
}
