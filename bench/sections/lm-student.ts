/**
 * The language-model student against its peers, in the same run:
 *   lm-train-vs-pytorch      training tokens/s (forward, masked loss, backward, clipping, AdamW) vs
 *                            the same model in PyTorch on CPU, same config and thread count (bench/lm/pytorch-train.py)
 *   lm-decode-vs-llama-cpp   greedy decoding tokens/s with the KV cache vs llama.cpp (node-llama-cpp) on the GGUF export
 *   lm-kd-token-vs-sequence  how well the student learns the teacher's second choice: token-level vs sequence-level KD
 *   lm-tokenizer             BPE encode speed vs gpt-tokenizer (o200k_base) on this repository's source text
 * Peak RSS of the process is reported with the training entry.
 * Knobs: --lm-width=N --lm-layers=N --lm-batch=N --lm-length=N --lm-threads=N (PyTorch threads; ours is one thread).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fastGlob from 'fast-glob';
import { clipGradients, adamWStep, createAdamWState } from '../../src/student/lm/adamw.js';
import { languageModelConfig, parameterCountOf, type LanguageModelConfig } from '../../src/student/lm/config.js';
import { exportGguf } from '../../src/student/lm/gguf.js';
import { transformerStepModel } from '../../src/student/lm/inference.js';
import { trainLanguageModelStudent } from '../../src/student/lm/lm-student.js';
import { maskedLossAndGradient } from '../../src/student/lm/loss.js';
import { importOptional, type LlamaModule } from '../../src/student/lm/optional-modules.js';
import { argmax } from '../../src/student/lm/sampler.js';
import { trainTokenizer } from '../../src/student/lm/tokenizer.js';
import { backward, createWorkspace, forward } from '../../src/student/lm/transformer.js';
import { initialWeights, isNormGain, namedTensors, zeroWeights } from '../../src/student/lm/weights.js';
import type { BenchOptions } from '../options.js';
import { machineFacts, spread, writeSection, type BenchmarkEntry } from '../report.js';

const PYTHON = '/usr/bin/python3';
const here = path.dirname(new URL(import.meta.url).pathname);

/** The benchmark model's shape and batch (`scale` 2 doubles the width and adds layers: the ~5M-parameter point). */
function shape(options: BenchOptions, scale: 1 | 2 = 1): { config: LanguageModelConfig; batch: number; length: number; steps: number; threads: number } {
  const width = Number(options.argument('lm-width') ?? 128) * scale;
  const length = Number(options.argument('lm-length') ?? 64);
  const layers = Number(options.argument('lm-layers') ?? 4) + (scale === 2 ? 2 : 0);
  const config = languageModelConfig({ vocabularySize: 1024 * scale, width, layers, heads: 4, keyValueHeads: 4, hiddenWidth: Math.round((width * 8) / 3 / 8) * 8, context: length });
  return { config, batch: Number(options.argument('lm-batch') ?? 8), length, steps: options.quick ? 3 : 10, threads: Number(options.argument('lm-threads') ?? 1) };
}

/** Our training tokens/s: the loop body of training.ts on random tokens. */
function ourTrainingSpeed(config: LanguageModelConfig, batch: number, length: number, steps: number): number {
  const weights = initialWeights(config, 1);
  const gradients = zeroWeights(config);
  const named = namedTensors(weights);
  const parameters = named.map(([, tensor]) => tensor);
  const gradientTensors = namedTensors(gradients).map(([, tensor]) => tensor);
  const settings = { learningRate: 1e-3, minimumLearningRateFraction: 0.1, warmupSteps: 1, totalSteps: steps, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.01, gradientClip: 1 };
  const state = createAdamWState(parameters, named.map(([name]) => !isNormGain(name)));
  const workspace = createWorkspace(config, batch, length);
  const tokens = Int32Array.from({ length: batch * length }, (_, index) => (index * 7919) % config.vocabularySize);
  const targets = Int32Array.from({ length: batch * length }, (_, index) => (index * 104729) % config.vocabularySize);
  const mask = new Float32Array(batch * length).fill(1);
  const step = (): void => {
    const logits = forward(weights, tokens, workspace);
    maskedLossAndGradient(logits, workspace.rows, config.vocabularySize, { targets, mask });
    for (const gradient of gradientTensors) gradient.fill(0);
    backward(weights, workspace, logits, gradients);
    clipGradients(gradientTensors, 1);
    adamWStep(parameters, gradientTensors, state, settings, 1e-3);
  };
  for (let index = 0; index < 2; index++) step();
  const started = performance.now();
  for (let index = 0; index < steps; index++) step();
  return (batch * length * steps) / ((performance.now() - started) / 1000);
}

/** PyTorch's training tokens/s for the same shape, or null (with why) when torch is missing. */
function pytorchTrainingSpeed(config: LanguageModelConfig, batch: number, length: number, steps: number, threads: number): { tokensPerSecond: number; version: string } | string {
  try {
    const output = execFileSync(PYTHON, [path.join(here, '..', 'lm', 'pytorch-train.py'), JSON.stringify({ ...config, batch, length, steps, threads })], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const result = JSON.parse(output) as { tokensPerSecond: number; torch: string };
    return { tokensPerSecond: result.tokensPerSecond, version: result.torch };
  } catch (error) {
    return `PyTorch peer unavailable (${PYTHON} with torch: apt-get install -y python3-torch): ${String(error).split('\n')[0]}`;
  }
}

/** Ours and PyTorch's training tokens/s at one shape, interleaved over the repeats. */
function trainingMetric(options: BenchOptions, scale: 1 | 2): { metric: BenchmarkEntry['metrics'][number]; note: string; ours: number[]; peer: number[]; settings: string } {
  const { config, batch, length, steps, threads } = shape(options, scale);
  const ours: number[] = [];
  const peer: number[] = [];
  let note = '';
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    ours.push(ourTrainingSpeed(config, batch, length, steps));
    const result = pytorchTrainingSpeed(config, batch, length, steps, threads);
    if (typeof result === 'string') note = result;
    else { peer.push(result.tokensPerSecond); note = `PyTorch ${result.version} on CPU, ${threads} thread(s), same model in float32 (bench/lm/pytorch-train.py).`; }
  }
  const parameters = parameterCountOf(config);
  const settings = `${(parameters / 1e6).toFixed(1)}M parameters (vocabulary ${config.vocabularySize}, width ${config.width}, ${config.layers} layers, ${config.heads} heads, MLP ${config.hiddenWidth})`;
  return { metric: { name: `training throughput, ${(parameters / 1e6).toFixed(1)}M parameters`, unit: 'tokens/s', better: 'higher', ours: spread(ours), peer: peer.length > 0 ? spread(peer) : null }, note, ours, peer, settings };
}

async function trainingEntry(options: BenchOptions): Promise<BenchmarkEntry> {
  const { batch, length, steps } = shape(options);
  const small = trainingMetric(options, 1);
  const medium = trainingMetric(options, 2);
  const rss = process.resourceUsage().maxRSS / 1024;
  return {
    id: 'lm-train-vs-pytorch', title: 'Language-model student: training speed vs PyTorch (CPU)', command: options.command, dataset: 'random tokens',
    settings: `${small.settings}; ${medium.settings}; batch ${batch} × ${length} tokens, ${steps} timed steps after 2 warm-up (forward, masked cross-entropy, backward, clipping, AdamW)`,
    peerName: 'PyTorch', repeats: options.repeats,
    metrics: [small.metric, medium.metric],
    notes: [medium.note, `Ours: one thread; every matrix product (attention's per-head products included) on a hand-assembled WebAssembly SIMD kernel, norms, softmax, rotary, loss and AdamW in plain TypeScript (they weigh more in the smaller model, which compares worse). Peak RSS of the whole bench process: ${rss.toFixed(0)} MB.`],
    extra: { small: { ours: small.ours, peer: small.peer }, medium: { ours: medium.ours, peer: medium.peer }, peakRssMegabytes: rss },
  };
}

/** Our greedy decoding tokens/s over `count` tokens with the KV cache. */
function ourDecodeSpeed(weights: ReturnType<typeof initialWeights>, count: number): number {
  const model = transformerStepModel(weights);
  const cache = model.newCache();
  let token = 256;
  const started = performance.now();
  for (let position = 0; position < count; position++) token = argmax(model.forwardStep(token, position, cache), undefined);
  return count / ((performance.now() - started) / 1000);
}

async function llamaDecodeSpeed(file: string, count: number, threads: number): Promise<number | string> {
  try {
    const { getLlama } = await importOptional<LlamaModule>('node-llama-cpp');
    const llama = await getLlama({ gpu: false, build: 'never' });
    const model = await llama.loadModel({ modelPath: file });
    const context = await model.createContext({ contextSize: count + 8, threads });
    const sequence = context.getSequence();
    let produced = 0;
    const started = performance.now();
    for await (const _token of sequence.evaluate([model.tokens.bos ?? 256], { temperature: 0 })) if (++produced >= count) break;
    const speed = produced / ((performance.now() - started) / 1000);
    await context.dispose();
    await model.dispose();
    await llama.dispose();
    return speed;
  } catch (error) {
    return `llama.cpp peer unavailable (node-llama-cpp): ${String(error).split('\n')[0]}`;
  }
}

async function decodeEntry(options: BenchOptions): Promise<BenchmarkEntry> {
  const { config, threads } = shape(options);
  const count = options.quick ? 64 : 200;
  const tokenizer = trainTokenizer([readFileSync(path.join(here, '..', '..', 'README.md'), 'utf8')], config.vocabularySize);
  const decodeConfig = languageModelConfig({ ...config, vocabularySize: tokenizer.vocabularySize, context: count + 8 });
  const weights = initialWeights(decodeConfig, 2);
  const directory = mkdtempSync(path.join(tmpdir(), 'distillery-lm-bench-'));
  const file = path.join(directory, 'student.gguf');
  writeFileSync(file, exportGguf(weights, tokenizer));
  const ours: number[] = [];
  const peer: number[] = [];
  let peerNote = `llama.cpp through node-llama-cpp 3.21.1, CPU, ${threads} thread(s), float32 GGUF export of the same weights.`;
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    ours.push(ourDecodeSpeed(weights, count));
    const result = await llamaDecodeSpeed(file, count, threads);
    if (typeof result === 'string') peerNote = result;
    else peer.push(result);
  }
  rmSync(directory, { recursive: true, force: true });
  return {
    id: 'lm-decode-vs-llama-cpp', title: 'Language-model student: greedy decoding speed vs llama.cpp', command: options.command, dataset: 'untrained weights (speed does not depend on them)',
    settings: `${parameterCountOf(decodeConfig).toLocaleString('en')} parameters, ${count} tokens from one start token, KV cache`,
    peerName: 'llama.cpp', repeats: options.repeats,
    metrics: [{ name: 'decoding throughput', unit: 'tokens/s', better: 'higher', ours: spread(ours), peer: peer.length > 0 ? spread(peer) : null }],
    notes: [peerNote, 'Ours decodes one token at a time on the plain TypeScript kernels (the WebAssembly kernel pays only for many rows).'],
    extra: { ours, peer },
  };
}

/** The teacher's probability of its second choice that a student learned, token-level KD or not. */
function secondChoice(withTeacher: boolean, seed: number): number {
  const prompts = Array.from({ length: 8 }, (_, index) => `is it sunny? ${index}`);
  const tokenizer = trainTokenizer([...prompts, 'yes', 'no'], 300);
  const [yes, no] = [tokenizer.encode('yes')[0] as number, tokenizer.encode('no')[0] as number];
  const examples = prompts.map((prompt) => ({ prompt, answer: 'yes', ...(withTeacher ? { teacherTopLogprobs: [{ tokens: [yes, no], logprobs: [Math.log(0.7), Math.log(0.3)] }] } : {}) }));
  const { student } = trainLanguageModelStudent(examples, examples.slice(0, 2).map(({ prompt, answer }) => ({ prompt, answer })), {
    tokenizer, config: { width: 32, layers: 1, heads: 2, keyValueHeads: 2, hiddenWidth: 64, context: 32 },
    training: { steps: 120, batchSize: 8, learningRate: 1e-2, warmupSteps: 5, evaluateEvery: 40, patience: 100, distillationWeight: 0.9, seed },
  });
  const first = student.generate('is it sunny? 9', { maxTokens: 1, topLogprobs: 8 }).logprobs[0];
  return Math.exp(first?.topLogprobs.find((alternative) => alternative.token === no)?.logprob ?? -Infinity);
}

function distillationEntry(options: BenchOptions): BenchmarkEntry {
  const token = Array.from({ length: options.repeats }, (_, seed) => Math.abs(secondChoice(true, seed + 1) - 0.3));
  const sequence = Array.from({ length: options.repeats }, (_, seed) => Math.abs(secondChoice(false, seed + 1) - 0.3));
  return {
    id: 'lm-kd-token-vs-sequence', title: 'Language-model student: token-level vs sequence-level KD', command: options.command,
    dataset: 'synthetic: 8 prompts whose teacher answers "yes" with p = 0.7 and "no" with p = 0.3 (top-2 logprobs); scored on an unseen prompt',
    settings: '1 layer, width 32, 120 steps; token-level KD weight α = 0.9', peerName: 'sequence-level KD', oursName: 'token-level KD', repeats: options.repeats,
    metrics: [{ name: 'error of p(no) against the teacher\'s 0.3', unit: 'probability', better: 'lower', ours: spread(token), peer: spread(sequence) }],
    notes: ['Sequence-level KD sees only the teacher\'s answer, so it learns p(no) ≈ 0; token-level KD learns the teacher\'s uncertainty from its top-k logprobs.'],
    extra: { token, sequence },
  };
}

async function tokenizerEntry(options: BenchOptions): Promise<BenchmarkEntry> {
  const files = await fastGlob('src/**/*.ts', { cwd: path.join(here, '..', '..'), absolute: true });
  const text = files.sort().map((file) => readFileSync(file, 'utf8')).join('\n');
  const megabytes = new TextEncoder().encode(text).length / 1e6;
  const tokenizer = trainTokenizer([text.slice(0, 200_000)], 1024);
  const o200k = await import('gpt-tokenizer/encoding/o200k_base');
  const ours: number[] = [];
  const peer: number[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    let started = performance.now();
    tokenizer.encode(text);
    ours.push(megabytes / ((performance.now() - started) / 1000));
    started = performance.now();
    o200k.encode(text, { disallowedSpecial: new Set() });
    peer.push(megabytes / ((performance.now() - started) / 1000));
  }
  return {
    id: 'lm-tokenizer', title: 'Language-model student: tokenizer encode speed vs gpt-tokenizer', command: options.command,
    dataset: `this repository's src/**/*.ts (${megabytes.toFixed(1)} MB)`, settings: 'our byte-level BPE, 1024 tokens, trained on the first 200 kB; gpt-tokenizer o200k_base; each encodes the whole text once per repeat (caches warm after the first)',
    peerName: 'gpt-tokenizer', repeats: options.repeats,
    metrics: [{ name: 'encode throughput', unit: 'MB/s', better: 'higher', ours: spread(ours), peer: spread(peer) }],
    notes: ['Both split text with a GPT-style pattern and cache pieces; round trips are exact for both.'], extra: { ours, peer },
  };
}

/** Runs the section and writes it. */
export async function run(options: BenchOptions): Promise<void> {
  const entries = [await trainingEntry(options), await decodeEntry(options), distillationEntry(options), await tokenizerEntry(options)];
  writeSection({ id: 'lm-student', title: 'The language-model student', entries, quick: options.quick, facts: machineFacts() });
}
