/**
 * The language model's training loss over a batch: cross-entropy on the next token, counted only
 * where the loss mask is 1 (the answer's tokens and the end token; the prompt is context), and,
 * where the teacher's top-k logprobs are known, mixed with token-level KD (src/train/token-kd.ts).
 * The gradient is written over the logits in place, ready for `backward`.
 */
import { tokenDistillationRow, type TeacherTopLogprobs } from '../../train/token-kd.js';

/** The targets of one batch, row-aligned with the logits. */
export interface BatchTargets {
  /** Next token per row. */
  targets: Int32Array;
  /** 1 where the row counts towards the loss, 0 elsewhere (prompt, padding). */
  mask: Float32Array;
  /** Teacher top-k per row, or undefined where the teacher gave none. */
  teacher?: ReadonlyArray<TeacherTopLogprobs | undefined>;
  /** Weight of the KD term where a teacher row exists (1 − weight goes to cross-entropy). */
  distillationWeight?: number;
}

/** Mean loss over the masked rows; overwrites `logits` with ∂loss/∂logits (0 on unmasked rows). */
export function maskedLossAndGradient(logits: Float32Array, rows: number, vocabularySize: number, batch: BatchTargets): number {
  let counted = 0;
  for (let row = 0; row < rows; row++) counted += batch.mask[row] as number;
  const scale = counted > 0 ? 1 / counted : 0;
  let total = 0;
  for (let row = 0; row < rows; row++) {
    const base = row * vocabularySize;
    const weight = (batch.mask[row] as number) * scale;
    if (weight === 0) { logits.fill(0, base, base + vocabularySize); continue; }
    const teacher = batch.teacher?.[row];
    const rowLogits = logits.subarray(base, base + vocabularySize);
    total += weight * tokenDistillationRow(rowLogits, batch.targets[row] as number, teacher, teacher === undefined ? 0 : (batch.distillationWeight ?? 0.5), weight);
  }
  return total;
}

/** Mean masked cross-entropy without touching the logits (validation). */
export function maskedCrossEntropy(logits: Float32Array, rows: number, vocabularySize: number, targets: Int32Array, mask: Float32Array): { total: number; counted: number } {
  let total = 0;
  let counted = 0;
  for (let row = 0; row < rows; row++) {
    if (mask[row] === 0) continue;
    const base = row * vocabularySize;
    let max = -Infinity;
    for (let v = 0; v < vocabularySize; v++) max = Math.max(max, logits[base + v] as number);
    let sum = 0;
    for (let v = 0; v < vocabularySize; v++) sum += Math.exp((logits[base + v] as number) - max);
    total += Math.log(sum) + max - (logits[base + (targets[row] as number)] as number);
    counted++;
  }
  return { total, counted };
}
