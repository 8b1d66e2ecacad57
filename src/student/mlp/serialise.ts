/**
 * MLP weights ↔ file tensors: `layer<i>.weights` (inputs × outputs, input-major) and `layer<i>.bias`,
 * float32 as trained, so a loaded student predicts exactly like the one saved. (No quantisation: the
 * MLP is dense and small next to the n-gram table, and exact round trips keep the tests honest.)
 */
import { requireTensor, StudentFileError, type StudentFileContents, type Tensor } from '../file-container.js';
import type { DenseLayer, MlpWeights } from './network.js';

/** The tensors that represent `weights` in a file, in layer order. */
export function weightsToTensors(weights: MlpWeights): Array<[string, Tensor]> {
  return weights.layers.flatMap((layer, index): Array<[string, Tensor]> => [[`layer${index}.weights`, layer.weights], [`layer${index}.bias`, layer.bias]]);
}

/** Rebuilds weights for layer sizes `sizes` (from the header), checking every tensor's length. */
export function weightsFromTensors(contents: StudentFileContents, sizes: readonly number[]): MlpWeights {
  const layers: DenseLayer[] = [];
  for (let index = 0; index + 1 < sizes.length; index++) {
    const inputs = sizes[index] as number;
    const outputs = sizes[index + 1] as number;
    const weights = requireTensor(contents, `layer${index}.weights`, 'f32');
    const bias = requireTensor(contents, `layer${index}.bias`, 'f32');
    if (weights.length !== inputs * outputs || bias.length !== outputs) {
      throw new StudentFileError(`student file layer ${index} has ${weights.length} weights and ${bias.length} biases, expected ${inputs * outputs} and ${outputs}`);
    }
    layers.push({ inputs, outputs, weights, bias });
  }
  return { sizes: [...sizes], layers };
}
