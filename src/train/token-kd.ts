/**
 * Token-level knowledge distillation for generative students. Per answer token the teacher gave its
 * top-k tokens' logprobs; the rest of its probability mass becomes one tail bucket. The student's
 * distribution is bucketed the same way (its k tokens plus everything else), and
 *   L = α·KL(teacher buckets ‖ student buckets) + (1 − α)·CE(teacher's token)
 * Gradient with respect to the student's logits z (derived once, pinned to PyTorch in the tests):
 *   ∂KL/∂z_j = q_j − p_j                   for j in the top-k
 *   ∂KL/∂z_j = q_j − p_tail·q_j / q_tail   for every other j
 */

/** The teacher's top-k for one position: token ids (in the student's vocabulary) and natural-log probabilities. */
export interface TeacherTopLogprobs {
  tokens: Int32Array | readonly number[];
  logprobs: Float32Array | readonly number[];
}

/** Tail masses below this are treated as empty (log 0 guarded). */
const TINY = 1e-12;
/** Scratch for the top-k entries' gradients, grown on demand so the training loop does not allocate. */
let topGradients = new Float64Array(64);

/**
 * Loss of one row (cross-entropy on `target`, mixed with the bucketed KL when `teacher` is given and
 * `alpha` > 0); overwrites `logits` with `gradientScale` · ∂loss/∂logits.
 */
export function tokenDistillationRow(logits: Float32Array, target: number, teacher: TeacherTopLogprobs | undefined, alpha: number, gradientScale: number): number {
  const size = logits.length;
  let max = -Infinity;
  for (let v = 0; v < size; v++) max = Math.max(max, logits[v] as number);
  const crossEntropyLogit = logits[target] as number;
  // One exp per entry: exponentiate in place, then normalise.
  let sum = 0;
  for (let v = 0; v < size; v++) { const e = Math.exp((logits[v] as number) - max); logits[v] = e; sum += e; }
  const crossEntropy = Math.log(sum) + max - crossEntropyLogit;
  const inverse = 1 / sum;
  for (let v = 0; v < size; v++) logits[v] = (logits[v] as number) * inverse;
  // logits now holds the student's probabilities q.
  let kl = 0;
  let tailScale = 0;
  if (teacher !== undefined && alpha > 0) {
    let teacherTop = 0;
    let studentTop = 0;
    for (let index = 0; index < teacher.tokens.length; index++) {
      const p = Math.exp(teacher.logprobs[index] as number);
      const q = logits[teacher.tokens[index] as number] as number;
      teacherTop += p;
      studentTop += q;
      if (p > TINY) kl += p * (Math.log(p) - Math.log(Math.max(q, TINY)));
    }
    const teacherTail = Math.max(0, 1 - teacherTop);
    const studentTail = Math.max(TINY, 1 - studentTop);
    if (teacherTail > TINY) kl += teacherTail * (Math.log(teacherTail) - Math.log(studentTail));
    tailScale = teacherTail / studentTail;
  }
  const klWeight = teacher !== undefined && alpha > 0 ? alpha : 0;
  // Gradient: (1−α)(q − onehot) + α(q − bucket share); the top-k entries are computed first so
  // nothing has to be recovered after the overwrite.
  const topCount = klWeight > 0 && teacher !== undefined ? teacher.tokens.length : 0;
  if (topGradients.length < topCount) topGradients = new Float64Array(topCount * 2);
  for (let index = 0; index < topCount; index++) {
    const token = (teacher as TeacherTopLogprobs).tokens[index] as number;
    topGradients[index] = (logits[token] as number) - klWeight * Math.exp((teacher as TeacherTopLogprobs).logprobs[index] as number);
  }
  const tailFactor = 1 - klWeight * tailScale;
  for (let v = 0; v < size; v++) logits[v] = gradientScale * tailFactor * (logits[v] as number);
  for (let index = 0; index < topCount; index++) logits[(teacher as TeacherTopLogprobs).tokens[index] as number] = gradientScale * (topGradients[index] as number);
  logits[target] = (logits[target] as number) - gradientScale * (1 - klWeight);
  return (1 - klWeight) * crossEntropy + klWeight * kl;
}
