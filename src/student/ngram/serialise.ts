/**
 * N-gram weights ↔ file tensors. Compact by construction: only rows that training touched are
 * stored, their bucket ids as delta-encoded varints (~1–2 bytes each instead of 4), and each row
 * quantised to int8 with its own float32 scale (dim + 4 bytes per row instead of 4·dim).
 * The small output layer and bias stay float32.
 */
import { requireTensor, StudentFileError, type StudentFileContents, type Tensor } from '../file-container.js';
import type { NgramWeights } from './model.js';

/** Encodes ascending non-negative integers as LEB128 varints of their successive differences. */
export function encodeDeltaVarints(sorted: ArrayLike<number>): Uint8Array {
  const bytes: number[] = [];
  let previous = 0;
  for (let index = 0; index < sorted.length; index++) {
    let delta = (sorted[index] as number) - previous;
    previous = sorted[index] as number;
    while (delta >= 0x80) { bytes.push((delta & 0x7f) | 0x80); delta >>>= 7; }
    bytes.push(delta);
  }
  return Uint8Array.from(bytes);
}

/** Inverse of encodeDeltaVarints. */
export function decodeDeltaVarints(bytes: Uint8Array, count: number): Int32Array {
  const values = new Int32Array(count);
  let position = 0;
  let previous = 0;
  for (let index = 0; index < count; index++) {
    let delta = 0;
    let shift = 0;
    let byte = 0;
    do {
      if (position >= bytes.length) throw new StudentFileError('checksum mismatch: file is corrupt (row index list too short)');
      byte = bytes[position++] as number;
      delta += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    previous += delta;
    values[index] = previous;
  }
  return values;
}

/** Per-row symmetric int8 quantisation: q = round(v / scale), scale = max|v| / 127. */
export function quantiseRows(values: Float32Array, dim: number): { quantised: Int8Array; scales: Float32Array } {
  const rows = values.length / dim;
  const quantised = new Int8Array(values.length);
  const scales = new Float32Array(rows);
  for (let row = 0; row < rows; row++) {
    let maxAbs = 0;
    for (let d = 0, base = row * dim; d < dim; d++) maxAbs = Math.max(maxAbs, Math.abs(values[base + d] as number));
    const scale = maxAbs / 127;
    scales[row] = scale;
    if (scale === 0) continue;
    for (let d = 0, base = row * dim; d < dim; d++) quantised[base + d] = Math.round((values[base + d] as number) / scale);
  }
  return { quantised, scales };
}

/** Inverse of quantiseRows (up to rounding). */
export function dequantiseRows(quantised: Int8Array, scales: Float32Array, dim: number): Float32Array {
  const values = new Float32Array(quantised.length);
  for (let index = 0; index < quantised.length; index++) values[index] = (quantised[index] as number) * (scales[Math.floor(index / dim)] as number);
  return values;
}

/** The tensors that represent compacted weights in a file. */
export function weightsToTensors(weights: NgramWeights): Array<[string, Tensor]> {
  if (weights.rowOf === null) throw new Error('internal: only compacted weights are saved');
  const buckets: number[] = [];
  weights.rowOf.forEach((row, bucket) => { if (row >= 0) buckets.push(bucket); });
  const { quantised, scales } = quantiseRows(weights.embeddings, weights.dim);
  return [['rowBuckets', encodeDeltaVarints(buckets)], ['embeddings', quantised], ['rowScales', scales], ['output', weights.output], ['bias', weights.bias]];
}

/** Rebuilds compacted weights from file tensors; shapes are checked against the header's numbers. */
export function weightsFromTensors(contents: StudentFileContents, buckets: number, dim: number, labelCount: number): NgramWeights {
  const scales = requireTensor(contents, 'rowScales', 'f32');
  const rows = scales.length;
  const bucketOfRow = decodeDeltaVarints(requireTensor(contents, 'rowBuckets', 'u8'), rows);
  const quantised = requireTensor(contents, 'embeddings', 'i8');
  const output = requireTensor(contents, 'output', 'f32');
  const bias = requireTensor(contents, 'bias', 'f32');
  if (quantised.length !== rows * dim || output.length !== labelCount * dim || bias.length !== labelCount) {
    throw new StudentFileError('student file tensors do not match its header (dim or label count)');
  }
  const rowOf = new Int32Array(buckets).fill(-1);
  bucketOfRow.forEach((bucket, row) => {
    if (bucket < 0 || bucket >= buckets) throw new StudentFileError(`student file row bucket ${bucket} is outside 0..${buckets - 1}`);
    rowOf[bucket] = row;
  });
  return { buckets, dim, labelCount, embeddings: dequantiseRows(quantised, scales, dim), rowOf, output, bias };
}
