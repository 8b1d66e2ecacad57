/**
 * AdamW (Loshchilov & Hutter 2019) with a warmup + cosine learning-rate schedule and global-norm
 * gradient clipping, as in nanoGPT. Weight decay is decoupled and skips the norm gains.
 */

/** The optimiser's settings. */
export interface AdamWSettings {
  learningRate: number;
  /** The schedule decays to learningRate · this. */
  minimumLearningRateFraction: number;
  warmupSteps: number;
  totalSteps: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** Gradients with a larger global L2 norm are scaled down to it (0 turns clipping off). */
  gradientClip: number;
}

/** Moments per tensor and the step count. */
export interface AdamWState { first: Float32Array[]; second: Float32Array[]; decays: boolean[]; steps: number }

/** Zero moments for `parameters`; `decays[i]` says whether tensor i takes weight decay. */
export function createAdamWState(parameters: readonly Float32Array[], decays: readonly boolean[]): AdamWState {
  return { first: parameters.map((tensor) => new Float32Array(tensor.length)), second: parameters.map((tensor) => new Float32Array(tensor.length)), decays: [...decays], steps: 0 };
}

/** Linear warmup to the peak over warmupSteps, then cosine decay to the minimum at totalSteps (step is 1-based). */
export function learningRateAt(step: number, settings: AdamWSettings): number {
  const peak = settings.learningRate;
  if (step <= settings.warmupSteps) return (peak * step) / Math.max(1, settings.warmupSteps);
  const progress = Math.min(1, (step - settings.warmupSteps) / Math.max(1, settings.totalSteps - settings.warmupSteps));
  const minimum = peak * settings.minimumLearningRateFraction;
  return minimum + 0.5 * (peak - minimum) * (1 + Math.cos(Math.PI * progress));
}

/** Scales `gradients` so their global L2 norm is at most `limit`; returns the norm before clipping. */
export function clipGradients(gradients: readonly Float32Array[], limit: number): number {
  let squares = 0;
  for (const gradient of gradients) for (let index = 0; index < gradient.length; index++) squares += (gradient[index] as number) ** 2;
  const norm = Math.sqrt(squares);
  if (limit > 0 && norm > limit) {
    const scale = limit / norm;
    for (const gradient of gradients) for (let index = 0; index < gradient.length; index++) gradient[index] = (gradient[index] as number) * scale;
  }
  return norm;
}

/** One AdamW step at `learningRate`: p −= rate·(m̂/(√v̂+ε) + decay·p). */
export function adamWStep(parameters: readonly Float32Array[], gradients: readonly Float32Array[], state: AdamWState, settings: AdamWSettings, learningRate: number): void {
  state.steps++;
  const { beta1, beta2, epsilon } = settings;
  const correction1 = 1 - beta1 ** state.steps;
  const correction2 = 1 - beta2 ** state.steps;
  parameters.forEach((parameter, tensor) => {
    const gradient = gradients[tensor] as Float32Array;
    const first = state.first[tensor] as Float32Array;
    const second = state.second[tensor] as Float32Array;
    const decay = state.decays[tensor] === true ? 1 - learningRate * settings.weightDecay : 1;
    for (let index = 0; index < parameter.length; index++) {
      const g = gradient[index] as number;
      const m = beta1 * (first[index] as number) + (1 - beta1) * g;
      const v = beta2 * (second[index] as number) + (1 - beta2) * g * g;
      first[index] = m;
      second[index] = v;
      parameter[index] = (parameter[index] as number) * decay - (learningRate * (m / correction1)) / (Math.sqrt(v / correction2) + epsilon);
    }
  });
}
