/**
 * Distillation loss (Hinton, Vinyals, Dean 2015):
 *   L = α·T²·KL(p_teacher^T ‖ p_student^T) + (1 − α)·CE(hard label)
 * with the gradient with respect to the student's logits written into a caller-owned buffer,
 * so the training loop allocates nothing per example.
 *
 * Gradient (derived once, checked against finite differences in loss.test.ts):
 *   ∂/∂z [T²·KL] = T·(q_T − t_T)      ∂/∂z [CE] = q_1 − onehot(y)
 */

/** How the soft and hard terms are mixed. */
export interface DistillationOptions {
  /** Temperature T (> 0) applied to both teacher and student. */
  temperature: number;
  /** Weight α ∈ [0, 1] of the soft term; 1 − α goes to cross-entropy on the hard label. */
  alpha: number;
  /**
   * The soft term: `kl` (default), the tempered KL above; `logits`, squared error between the student's
   * and the teacher's log-probabilities centred over the labels the teacher listed (logit matching, Ba &
   * Caruana 2014), which keeps the information a confident teacher's saturated probabilities hide.
   */
  soft?: 'kl' | 'logits';
}

/** Loss value and the gradient with respect to the logits (the buffer passed in). */
export interface DistillationResult {
  loss: number;
  grad: Float64Array;
}

/** Scratch buffers reused across calls (grown on demand) so the hot loop never allocates. */
const scratch = { studentAtT: new Float64Array(16), studentAtOne: new Float64Array(16), teacherAtT: new Float64Array(16) };

function ensureScratch(size: number): void {
  if (scratch.studentAtT.length >= size) return;
  scratch.studentAtT = new Float64Array(size);
  scratch.studentAtOne = new Float64Array(size);
  scratch.teacherAtT = new Float64Array(size);
}

/** Writes softmax(logits / temperature) into `out` (max-subtracted for stability) and returns log Σ exp. */
export function softmaxWithTemperature(logits: ArrayLike<number>, temperature: number, out: Float64Array | Float32Array): number {
  const size = logits.length;
  let max = -Infinity;
  for (let k = 0; k < size; k++) max = Math.max(max, (logits[k] as number) / temperature);
  let sum = 0;
  for (let k = 0; k < size; k++) {
    const value = Math.exp((logits[k] as number) / temperature - max);
    out[k] = value;
    sum += value;
  }
  for (let k = 0; k < size; k++) out[k] = (out[k] as number) / sum;
  return max + Math.log(sum);
}

/**
 * Writes the teacher distribution at temperature T, p^(1/T) renormalised, into `out`; zeros stay zero.
 * Returns false when the distribution has no positive mass (then it cannot be used as a target).
 */
export function temperTeacher(probabilities: ArrayLike<number>, temperature: number, out: Float64Array): boolean {
  const size = probabilities.length;
  const inverse = 1 / temperature;
  // Work in log space relative to the largest entry: tiny probabilities raised to 1/T stay finite.
  let maxLog = -Infinity;
  for (let k = 0; k < size; k++) {
    const p = probabilities[k] as number;
    if (p > 0) maxLog = Math.max(maxLog, Math.log(p) * inverse);
  }
  if (maxLog === -Infinity) return false;
  let sum = 0;
  for (let k = 0; k < size; k++) {
    const p = probabilities[k] as number;
    const value = p > 0 ? Math.exp(Math.log(p) * inverse - maxLog) : 0;
    out[k] = value;
    sum += value;
  }
  for (let k = 0; k < size; k++) out[k] = (out[k] as number) / sum;
  return true;
}

/** α·T²·KL(teacher^T ‖ student^T) + (1−α)·CE(hardLabel); CE only when `teacherProbabilities` is null. */
export function distillationLoss(
  logits: ArrayLike<number>,
  teacherProbabilities: ArrayLike<number> | null,
  hardLabel: number,
  options: DistillationOptions,
  grad: Float64Array,
): DistillationResult {
  const size = logits.length;
  ensureScratch(size);
  const { studentAtT, studentAtOne, teacherAtT } = scratch;
  const temperature = options.temperature;
  if (options.soft === 'logits' && teacherProbabilities !== null && options.alpha > 0) {
    const matched = logitMatchingLoss(logits, teacherProbabilities, hardLabel, options.alpha, grad);
    if (matched !== null) return matched;
  }
  const useTeacher = teacherProbabilities !== null && options.alpha > 0 && temperTeacher(teacherProbabilities, temperature, teacherAtT);
  const alpha = useTeacher ? options.alpha : 0;

  const logSumOne = softmaxWithTemperature(logits, 1, studentAtOne);
  for (let k = 0; k < size; k++) grad[k] = (1 - alpha) * ((studentAtOne[k] as number) - (k === hardLabel ? 1 : 0));
  let loss = (1 - alpha) * (logSumOne - (logits[hardLabel] as number));
  if (!useTeacher) return { loss, grad };

  const logSumT = softmaxWithTemperature(logits, temperature, studentAtT);
  const scale = alpha * temperature * temperature;
  let kl = 0;
  for (let k = 0; k < size; k++) {
    const target = teacherAtT[k] as number;
    // 0·log 0 = 0: teacher zeros contribute nothing to KL (and keep it finite).
    if (target > 0) kl += target * (Math.log(target) - ((logits[k] as number) / temperature - logSumT));
    grad[k] = (grad[k] as number) + alpha * temperature * ((studentAtT[k] as number) - target);
  }
  loss += scale * kl;
  return { loss, grad };
}

/**
 * α·½Σ_{k listed}(s̃_k − t̃_k)² + α·½Σ_{j unlisted} max(0, s̃_j − min t̃)² + (1−α)·CE, where t = ln p over
 * the labels the teacher gave a probability (p > 0), s the student's logits, and ~ subtracts the mean
 * over those listed labels (log-probabilities are logits up to a constant). An unlisted label was below
 * every listed one, so the student is only pushed down where it ranks one higher than the lowest listed.
 * Null when fewer than two labels are listed (nothing to match: the caller falls back to KL / CE).
 */
function logitMatchingLoss(logits: ArrayLike<number>, teacherProbabilities: ArrayLike<number>, hardLabel: number, alpha: number, grad: Float64Array): DistillationResult | null {
  const size = logits.length;
  let listed = 0;
  let teacherMean = 0;
  let studentMean = 0;
  for (let k = 0; k < size; k++) {
    const p = teacherProbabilities[k] as number;
    if (!(p > 0)) continue;
    listed++;
    teacherMean += Math.log(p);
    studentMean += logits[k] as number;
  }
  if (listed < 2) return null;
  teacherMean /= listed;
  studentMean /= listed;
  let floor = Infinity;
  for (let k = 0; k < size; k++) {
    const p = teacherProbabilities[k] as number;
    if (p > 0) floor = Math.min(floor, Math.log(p) - teacherMean);
  }
  ensureScratch(size);
  const { studentAtOne } = scratch;
  const logSumOne = softmaxWithTemperature(logits, 1, studentAtOne);
  let loss = (1 - alpha) * (logSumOne - (logits[hardLabel] as number));
  // ∂/∂z_k of the listed term is d_k − mean(d) = d_k (d sums to zero); an unlisted label's hinge h_j
  // adds h_j to z_j and −h_j / listed to every listed label (through the mean).
  let hingeSum = 0;
  for (let k = 0; k < size; k++) {
    const p = teacherProbabilities[k] as number;
    const centred = (logits[k] as number) - studentMean;
    let g: number;
    if (p > 0) {
      g = centred - (Math.log(p) - teacherMean);
      loss += 0.5 * alpha * g * g;
    } else {
      g = Math.max(0, centred - floor);
      loss += 0.5 * alpha * g * g;
      hingeSum += g;
    }
    grad[k] = alpha * g + (1 - alpha) * ((studentAtOne[k] as number) - (k === hardLabel ? 1 : 0));
  }
  if (hingeSum > 0) {
    for (let k = 0; k < size; k++) if ((teacherProbabilities[k] as number) > 0) grad[k] = (grad[k] as number) - (alpha * hingeSum) / listed;
  }
  return { loss, grad };
}
