/**
 * Sparse vectors over hashed features: sorted indices with their values. Prompts have tens of
 * features out of a thousand buckets, so products cost tens of operations, not thousands.
 */

/** A sparse vector: strictly increasing indices and their values. */
export interface SparseVector {
  readonly indices: Uint16Array;
  readonly values: Float32Array;
}

/** The empty vector. */
export const EMPTY_VECTOR: SparseVector = Object.freeze({ indices: new Uint16Array(0), values: new Float32Array(0) });

/** Builds an L2-normalised vector from increasing bucket indices and their counts, damping repeats with 1 + ln|count|; zero counts are dropped. */
export function normalisedVector(buckets: readonly number[], counts: readonly number[]): SparseVector {
  let size = 0;
  for (const count of counts) if (count !== 0) size++;
  const indices = new Uint16Array(size);
  const values = new Float32Array(size);
  let squares = 0;
  let position = 0;
  counts.forEach((count, index) => {
    if (count === 0) return;
    const weight = Math.sign(count) * (1 + Math.log(Math.abs(count)));
    indices[position] = buckets[index] as number;
    values[position++] = weight;
    squares += weight * weight;
  });
  const norm = Math.sqrt(squares);
  if (norm > 0) for (let index = 0; index < size; index++) values[index] = (values[index] as number) / norm;
  return { indices, values };
}

/** Dot product of two sparse vectors (a merge of their sorted indices). */
export function dot(a: SparseVector, b: SparseVector): number {
  let sum = 0;
  let i = 0;
  let j = 0;
  while (i < a.indices.length && j < b.indices.length) {
    const left = a.indices[i] as number;
    const right = b.indices[j] as number;
    if (left === right) sum += (a.values[i++] as number) * (b.values[j++] as number);
    else if (left < right) i++;
    else j++;
  }
  return sum;
}

/** Dot product of a sparse vector with a dense row stored at `offset` in `dense`. */
export function dotDense(a: SparseVector, dense: Float32Array | Float64Array, offset: number): number {
  let sum = 0;
  for (let position = 0; position < a.indices.length; position++) sum += (a.values[position] as number) * (dense[offset + (a.indices[position] as number)] as number);
  return sum;
}

/** Adds `scale` × a into the dense array at `offset`. */
export function addInto(dense: Float32Array | Float64Array, offset: number, a: SparseVector, scale: number): void {
  for (let position = 0; position < a.indices.length; position++) {
    const index = offset + (a.indices[position] as number);
    dense[index] = (dense[index] as number) + scale * (a.values[position] as number);
  }
}

/** Squared norm (1 for a normalised non-empty vector, 0 for the empty one). */
export function squaredNorm(a: SparseVector): number {
  let sum = 0;
  for (const value of a.values) sum += value * value;
  return sum;
}
