/**
 * Adam (Kingma & Ba 2015) over a list of Float32Array parameters. Chosen over SGD with momentum
 * because the benchmark's budget is a handful of epochs, and Adam reaches a good MLP on pixel
 * inputs in far fewer epochs at its textbook settings, with no learning-rate schedule to tune.
 */

/** Adam's constants (textbook defaults except the learning rate, which the caller sets). */
export interface AdamSettings { learningRate: number; beta1: number; beta2: number; epsilon: number }

/** First and second moment estimates per parameter, and the number of steps taken. */
export interface AdamState { first: Float32Array[]; second: Float32Array[]; steps: number }

/** The usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8 at the given learning rate. */
export function adamSettings(learningRate: number): AdamSettings {
  return { learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
}

/** Zero moments shaped like `parameters`. */
export function createAdamState(parameters: readonly Float32Array[]): AdamState {
  return { first: parameters.map((tensor) => new Float32Array(tensor.length)), second: parameters.map((tensor) => new Float32Array(tensor.length)), steps: 0 };
}

/** One bias-corrected Adam step: parameters −= rate · m̂ / (√v̂ + ε). */
export function adamStep(parameters: readonly Float32Array[], gradients: readonly Float32Array[], state: AdamState, settings: AdamSettings): void {
  state.steps++;
  const { beta1, beta2, epsilon } = settings;
  // Bias correction folded into the step size and ε, as in the paper's efficient form.
  const correction1 = 1 - beta1 ** state.steps;
  const correction2 = 1 - beta2 ** state.steps;
  const stepSize = (settings.learningRate * Math.sqrt(correction2)) / correction1;
  const epsilonHat = epsilon * Math.sqrt(correction2);
  parameters.forEach((parameter, tensor) => {
    const gradient = gradients[tensor] as Float32Array;
    const first = state.first[tensor] as Float32Array;
    const second = state.second[tensor] as Float32Array;
    for (let index = 0; index < parameter.length; index++) {
      const g = gradient[index] as number;
      const m = beta1 * (first[index] as number) + (1 - beta1) * g;
      const v = beta2 * (second[index] as number) + (1 - beta2) * g * g;
      first[index] = m;
      second[index] = v;
      parameter[index] = (parameter[index] as number) - (stepSize * m) / (Math.sqrt(v) + epsilonHat);
    }
  });
}
