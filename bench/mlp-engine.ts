/**
 * Which tensor engine should the MLP student use? Times one training step (forward, backward, Adam
 * update) of the same MLP on the same Fashion-MNIST batch with the hand-written kernels in
 * src/student/mlp and with tfjs-core on its cpu and wasm backends (devDependencies only).
 *   node --import tsx bench/mlp-engine.ts            # prints a Markdown table (STEPS=5 timed steps per round)
 * The Hinton section calls measureEngines and prints the result as a note.
 */
import { fileURLToPath } from 'node:url';
import { distillationLoss } from '../src/train/loss.js';
import { createRandom } from '../src/util/random.js';
import { adamSettings, adamStep, createAdamState } from '../src/student/mlp/adam.js';
import { backwardBatch, createMlpWeights, createWorkspace, forwardBatch, tensorsOf, zerosLike } from '../src/student/mlp/network.js';
import { ensureFashionMnist, loadFashionMnist, type ImageSet } from './fashion-mnist.js';

/** What to time: layer sizes, and whether the input is the real images or a dense batch without zeros. */
export interface EngineCase { sizes: number[]; dense: boolean }

/** Milliseconds per training step for one case on each engine (null: the engine failed to load). */
export interface EngineTiming extends EngineCase { batch: number; handWritten: number; tfjsCpu: number | null; tfjsWasm: number | null }

/** The timings and what the tfjs side was (version, SIMD, threads). */
export interface EngineMeasurement { timings: EngineTiming[]; tfjs: string }

type Step = () => void;

/** Fastest of `steps` calls after `warmup` untimed ones: on a shared machine, load only ever adds time. */
function timeSteps(step: Step, warmup: number, steps: number): number {
  for (let index = 0; index < warmup; index++) step();
  let fastest = Number.POSITIVE_INFINITY;
  for (let index = 0; index < steps; index++) {
    const start = performance.now();
    step();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

/**
 * A batch of real images and labels: about half the pixels are zero, which the hand-written kernels
 * skip. `dense` adds 0.01 to every pixel, so nothing is skipped at the input (the case of dense features).
 */
function firstBatch(set: ImageSet, batch: number, dense: boolean): { images: Float32Array; labels: Uint8Array } {
  const images = set.images.slice(0, batch * set.pixels);
  if (dense) for (let index = 0; index < images.length; index++) images[index] = (images[index] as number) + 0.01;
  return { images, labels: set.labels.slice(0, batch) };
}

/** One step of the hand-written engine, as the student runs it. */
function handWrittenStep(sizes: number[], images: Float32Array, labels: Uint8Array): Step {
  const random = createRandom(1);
  const weights = createMlpWeights(sizes, random);
  const gradients = zerosLike(weights);
  const workspace = createWorkspace(sizes, labels.length);
  const parameters = tensorsOf(weights);
  const gradientTensors = tensorsOf(gradients);
  const state = createAdamState(parameters);
  const settings = adamSettings(1e-3);
  const labelCount = sizes[sizes.length - 1] as number;
  const logits = workspace.activations[sizes.length - 1] as Float32Array;
  const logitGradient = workspace.gradients[sizes.length - 1] as Float32Array;
  const rowGradient = new Float64Array(labelCount);
  return () => {
    (workspace.activations[0] as Float32Array).set(images);
    forwardBatch(weights, workspace, labels.length, 0, null);
    for (let row = 0; row < labels.length; row++) {
      distillationLoss(logits.subarray(row * labelCount, (row + 1) * labelCount), null, labels[row] as number, { temperature: 1, alpha: 0 }, rowGradient);
      for (let k = 0; k < labelCount; k++) logitGradient[row * labelCount + k] = (rowGradient[k] as number) / labels.length;
    }
    for (const tensor of gradientTensors) tensor.fill(0);
    backwardBatch(weights, workspace, labels.length, gradients);
    adamStep(parameters, gradientTensors, state, settings);
  };
}

type Tf = typeof import('@tensorflow/tfjs-core');
type Tensor = import('@tensorflow/tfjs-core').Tensor;

/**
 * One step of tfjs on the current backend: the same layers, softmax cross-entropy, Adam. The
 * backward pass is written out with tfjs ops because tfjs-core alone registers no gradients (the
 * umbrella tfjs package does, through an import Node's ESM resolver refuses); it is the same math
 * autodiff would run.
 */
function tfjsStep(tf: Tf, sizes: number[], images: Float32Array, labels: Uint8Array): Step {
  const layers = sizes.slice(0, -1).map((inputs, index) => {
    const outputs = sizes[index + 1] as number;
    const limit = Math.sqrt(6 / inputs);
    return { weights: tf.variable(tf.randomUniform([inputs, outputs], -limit, limit, 'float32', 1), true, `w${index}`), bias: tf.variable(tf.zeros([outputs]), true, `b${index}`) };
  });
  const input = tf.tensor2d(images, [labels.length, sizes[0] as number]);
  const target = tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), sizes[sizes.length - 1] as number);
  const optimiser = tf.train.adam(1e-3);
  return () => {
    tf.tidy(() => {
      const activations: Tensor[] = [input];
      const preActivations: Tensor[] = [];
      layers.forEach((layer, index) => {
        const z = tf.add(tf.matMul(activations[index] as Tensor, layer.weights), layer.bias);
        preActivations.push(z);
        activations.push(index + 1 < layers.length ? tf.relu(z) : z);
      });
      let gradient = tf.div(tf.sub(tf.softmax(activations[layers.length] as Tensor), target), labels.length);
      const gradients: Array<{ name: string; tensor: Tensor }> = [];
      for (let index = layers.length - 1; index >= 0; index--) {
        const layer = layers[index] as (typeof layers)[number];
        gradients.push({ name: layer.weights.name, tensor: tf.matMul(activations[index] as Tensor, gradient, true, false) });
        gradients.push({ name: layer.bias.name, tensor: tf.sum(gradient, 0) });
        if (index > 0) gradient = tf.mul(tf.matMul(gradient, layer.weights, false, true), tf.step(preActivations[index - 1] as Tensor));
      }
      optimiser.applyGradients(gradients);
    });
    // cpu and wasm run synchronously, but read one value back so nothing is left pending.
    layers[0]?.bias.dataSync();
  };
}

/** tfjs-core with `backend` registered and working, or null (with a note) when it cannot load. */
async function loadTfjs(backend: 'cpu' | 'wasm'): Promise<Tf | null> {
  try {
    const tf = await import('@tensorflow/tfjs-core');
    await import(backend === 'cpu' ? '@tensorflow/tfjs-backend-cpu' : '@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend(backend))) throw new Error(`setBackend('${backend}') returned false`);
    await tf.ready();
    return tf;
  } catch (error) {
    process.stderr.write(`NOTE: tfjs ${backend} backend unavailable: ${(error as Error).message}\n`);
    return null;
  }
}

/**
 * Times the hand-written kernels and the named tfjs backends on each case at `batch` examples (a
 * backend not named, or not loadable, reads null): the fastest of `steps` steps (after
 * 2 warm-up steps), over `rounds` rounds of all engines, so a burst of load from other processes
 * on a shared machine cannot favour whichever engine happened to run while it was quiet.
 */
export async function measureEngines(set: ImageSet, cases: readonly EngineCase[], batch: number, steps: number, backendNames: ReadonlyArray<'cpu' | 'wasm'> = ['cpu', 'wasm'], rounds = 2): Promise<EngineMeasurement> {
  const timings: EngineTiming[] = cases.map((engineCase) => ({ ...engineCase, batch, handWritten: Number.POSITIVE_INFINITY, tfjsCpu: null, tfjsWasm: null }));
  const batches = timings.map((timing) => firstBatch(set, batch, timing.dense));
  const faster = (previous: number | null, value: number) => Math.min(previous ?? Number.POSITIVE_INFINITY, value);
  const backends = { cpu: backendNames.includes('cpu') ? await loadTfjs('cpu') : null, wasm: backendNames.includes('wasm') ? await loadTfjs('wasm') : null };
  for (let round = 0; round < rounds; round++) {
    timings.forEach((timing, index) => {
      const { images, labels } = batches[index] as { images: Float32Array; labels: Uint8Array };
      timing.handWritten = faster(timing.handWritten, timeSteps(handWrittenStep(timing.sizes, images, labels), 2, steps));
    });
    for (const backend of ['cpu', 'wasm'] as const) {
      const tf = backends[backend];
      if (tf === null || !(await tf.setBackend(backend))) continue;
      timings.forEach((timing, index) => {
        const { images, labels } = batches[index] as { images: Float32Array; labels: Uint8Array };
        const milliseconds = timeSteps(tfjsStep(tf, timing.sizes, images, labels), 2, steps);
        if (backend === 'cpu') timing.tfjsCpu = faster(timing.tfjsCpu, milliseconds);
        else timing.tfjsWasm = faster(timing.tfjsWasm, milliseconds);
        tf.disposeVariables();
      });
    }
  }
  return { timings, tfjs: await describeTfjs(backends.wasm ?? backends.cpu) };
}

/** tfjs-core's version and the wasm backend's SIMD support and thread count. */
async function describeTfjs(tf: Tf | null): Promise<string> {
  if (tf === null) return 'tfjs unavailable';
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return `tfjs-core ${tf.version_core}, wasm backend with SIMD ${simd ? 'on' : 'off'} and ${wasm.getThreadsCount()} thread(s)`;
}

const cell = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(1)} ms`);

/** A case's name: its layer sizes, and "dense input" for the batch without zeros. */
export const caseName = (engineCase: EngineCase) => `${engineCase.sizes.join('-')}${engineCase.dense ? ', dense input' : ''}`;

/** The timings as a Markdown table; a tfjs backend that was not measured gets no column. */
export function engineTable(timings: readonly EngineTiming[]): string {
  const allColumns: Array<{ heading: string; value: (timing: EngineTiming) => number | null }> = [
    { heading: 'hand-written kernels', value: (timing) => timing.handWritten },
    { heading: 'tfjs cpu', value: (timing) => timing.tfjsCpu },
    { heading: 'tfjs wasm', value: (timing) => timing.tfjsWasm },
  ];
  const columns = allColumns.filter((column) => timings.some((timing) => column.value(timing) !== null));
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    row(['MLP (batch 128 unless said)', ...columns.map((column) => column.heading)]),
    row(['---', ...columns.map(() => '---')]),
    ...timings.map((timing) => row([`${caseName(timing)}${timing.batch === 128 ? '' : ` (batch ${timing.batch})`}`, ...columns.map((column) => cell(column.value(timing)))])),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const folder = ensureFashionMnist();
  if (folder === null) throw new Error('Fashion-MNIST is not available (apt-get install -y dataset-fashion-mnist failed)');
  const { train } = loadFashionMnist(folder);
  const cases = [[784, 1200, 1200, 10], [784, 300, 300, 10], [784, 300, 10], [784, 30, 10]].flatMap((sizes) => [{ sizes, dense: false }, { sizes, dense: true }]);
  const measurement = await measureEngines(train, cases, 128, Number(process.env['STEPS'] ?? 5));
  process.stdout.write(`${engineTable(measurement.timings)}\n\n${measurement.tfjs}\n`);
}
