/**
 * The training side of the lm-student section:
 *   lm-train-vs-pytorch   tokens/s of our trainer vs PyTorch on CPU from the same initial weights and
 *                         batch, and the two loss trajectories compared step by step
 *   lm-size-sweep         training and decoding tokens/s and peak RSS per model size (~0.2M–20M
 *                         parameters), each measured in a fresh child process (bench/lm/probe.ts)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { languageModelConfig, parameterCountOf, type LanguageModelConfig } from '../../src/student/lm/config.js';
import type { BenchOptions } from '../options.js';
import { format, spread, type BenchmarkEntry } from '../report.js';
import { ourTraining, writeInitialState, type PhaseTimes } from './our-training.js';

const PYTHON = '/usr/bin/python3';
const here = path.dirname(new URL(import.meta.url).pathname);
/** Largest relative difference between the two trainers' losses at the same step that counts as equal. */
export const LOSS_TOLERANCE = 1e-3;
/** Training speed we call useful: 1M tokens (e.g. 2,000 answers × 64 tokens × 8 epochs) in under 30 minutes. */
export const USEFUL_TOKENS_PER_SECOND = 1e6 / 1800;

/** A config of `width`, `layers` and vocabulary, heads of 32 and the SwiGLU width ≈ 8/3 · width. */
export function sizedConfig(vocabularySize: number, width: number, layers: number, context: number): LanguageModelConfig {
  return languageModelConfig({ vocabularySize, width, layers, heads: width / 32, keyValueHeads: width / 32, hiddenWidth: Math.round((width * 8) / 3 / 8) * 8, context });
}

/** The sizes of the sweep, ~0.2M to ~21M parameters. */
export function sweepConfigs(length: number): LanguageModelConfig[] {
  return [[512, 64, 4], [1024, 128, 4], [2048, 256, 6], [4096, 384, 8], [4096, 448, 8]].map(([vocabulary, width, layers]) => sizedConfig(vocabulary as number, width as number, layers as number, length));
}

/** What the PyTorch peer printed. */
interface PeerRun { tokensPerSecond: number; torch: string; losses: number[]; peakRssMegabytes: number }

/** Runs bench/lm/pytorch-train.py; a string says why it could not. */
function pytorchTraining(config: LanguageModelConfig, batch: number, length: number, steps: number, threads: number, initial?: string): PeerRun | string {
  try {
    const request = JSON.stringify({ ...config, batch, length, steps, threads, ...(initial ? { initial } : {}) });
    return JSON.parse(execFileSync(PYTHON, [path.join(here, 'pytorch-train.py'), request], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as PeerRun;
  } catch (error) {
    return `PyTorch peer unavailable (${PYTHON} with torch: apt-get install -y python3-torch): ${String(error).split('\n')[0]}`;
  }
}

/** Runs bench/lm/probe.ts in a fresh Node process. */
function probe(request: Record<string, unknown>): { tokensPerSecond: number; peakRssMegabytes: number } {
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', path.join(here, 'probe.ts'), JSON.stringify(request)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as { tokensPerSecond: number; peakRssMegabytes: number };
}

const describe = (config: LanguageModelConfig): string => `${(parameterCountOf(config) / 1e6).toFixed(1)}M parameters (vocabulary ${config.vocabularySize}, width ${config.width}, ${config.layers} layers, ${config.heads} heads, MLP ${config.hiddenWidth})`;

/** Largest relative difference of two loss trajectories. */
function lossDifference(ours: readonly number[], peer: readonly number[]): number {
  return Math.max(...ours.map((loss, step) => Math.abs(loss - (peer[step] ?? Number.NaN)) / Math.abs(peer[step] ?? Number.NaN)));
}

/** Ours vs PyTorch at one size, interleaved over the repeats, with the loss comparison of the first repeat. */
function compareAt(options: BenchOptions, config: LanguageModelConfig, batch: number, length: number, steps: number, threads: number) {
  const directory = mkdtempSync(path.join(tmpdir(), 'distillery-lm-train-'));
  const initial = path.join(directory, 'initial.bin');
  writeInitialState(initial, config, batch, length);
  const ours: number[] = [];
  const peer: number[] = [];
  let ourLosses: number[] = [];
  let peerLosses: number[] = [];
  let phases: PhaseTimes | undefined;
  let note = '';
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    const run = ourTraining(config, batch, length, steps);
    ours.push(run.tokensPerSecond);
    ourLosses = run.losses;
    phases = run.phases;
    const result = pytorchTraining(config, batch, length, steps, threads, initial);
    if (typeof result === 'string') { note = result; continue; }
    peer.push(result.tokensPerSecond);
    peerLosses = result.losses;
    note = `PyTorch ${result.torch} on CPU, ${threads} thread(s), same model in float32 (bench/lm/pytorch-train.py), started from our seed-1 weights on the same batch.`;
  }
  rmSync(directory, { recursive: true, force: true });
  const difference = peerLosses.length > 0 ? lossDifference(ourLosses, peerLosses) : Number.NaN;
  return { config, ours, peer, ourLosses, peerLosses, difference, phases: phases as PhaseTimes, note };
}

/** "forward 30%, loss 10%, …" of a phase breakdown. */
function phaseShares(phases: PhaseTimes): string {
  const total = phases.forward + phases.loss + phases.backward + phases.optimiser;
  return (Object.entries(phases) as Array<[string, number]>).map(([phase, time]) => `${phase} ${((100 * time) / total).toFixed(0)}%`).join(', ');
}

/** The lm-train-vs-pytorch entry at the 0.9M and 5.2M points. */
export function trainingEntry(options: BenchOptions): BenchmarkEntry {
  const batch = Number(options.argument('lm-batch') ?? 8);
  const length = Number(options.argument('lm-length') ?? 64);
  const threads = Number(options.argument('lm-threads') ?? 1);
  const steps = options.quick ? 3 : 10;
  const points = [sizedConfig(1024, 128, 4, length), sizedConfig(2048, 256, 6, length)].map((config) => compareAt(options, config, batch, length, steps, threads));
  const worst = Math.max(...points.map((point) => point.difference));
  const equal = worst <= LOSS_TOLERANCE;
  const ratios = points.map((point) => spread(point.ours).median / spread(point.peer).median);
  return {
    id: 'lm-train-vs-pytorch', title: 'Language-model student: training speed vs PyTorch (CPU)', command: options.command, dataset: 'one fixed batch of tokens, the same for both',
    settings: `${points.map((point) => describe(point.config)).join('; ')}; batch ${batch} × ${length} tokens, ${steps} timed steps after 2 warm-up (forward, cross-entropy, backward, clipping at 1, AdamW at 1e-3, weight decay 0.01 off the norm gains)`,
    peerName: 'PyTorch', repeats: options.repeats,
    metrics: points.map((point) => ({ name: `training throughput, ${(parameterCountOf(point.config) / 1e6).toFixed(1)}M parameters`, unit: 'tokens/s', better: 'higher' as const, ours: spread(point.ours), peer: point.peer.length > 0 ? spread(point.peer) : null })),
    notes: [
      points[0]?.note ?? '',
      `Equal loss: over all ${steps + 2} steps from the same weights, the largest relative difference between our loss and PyTorch's is ${worst.toExponential(1)} (tolerance ${LOSS_TOLERANCE}): ${equal ? 'equal within tolerance' : 'NOT equal within tolerance'}. Losses at the last step: ${points.map((point) => `${format(point.ourLosses.at(-1) ?? Number.NaN)} vs ${format(point.peerLosses.at(-1) ?? Number.NaN)}`).join('; ')}.`,
      `Goal ≥ 0.5×: ${ratios.map((ratio, index) => `${format(ratio)}× at ${(parameterCountOf(points[index]?.config as LanguageModelConfig) / 1e6).toFixed(1)}M (${ratio >= 0.5 ? 'met' : 'missed'})`).join(', ')}. Where our step's time goes (timed steps): ${points.map((point) => `${(parameterCountOf(point.config) / 1e6).toFixed(1)}M: ${phaseShares(point.phases)}`).join('; ')}.`,
      'Ours: one thread; every matrix product (attention\'s per-head products included) on a hand-assembled WebAssembly SIMD kernel; norms, softmax, rotary, SwiGLU, loss and AdamW in plain TypeScript. A CPU profile of the 0.9M step (`node --cpu-prof --import tsx bench/lm/probe.ts \'{"mode":"train",...}\'`) put about 40% in the SIMD kernel, 10% in transposing for the weight gradients and packing panels, and most of the rest in those element-wise loops, which PyTorch runs as vectorised C++; the smaller the model, the fewer multiply-adds per element-wise operation, so those loops weigh more.',
    ],
    extra: { points: points.map((point) => ({ config: point.config, ours: point.ours, peer: point.peer, ourLosses: point.ourLosses, peerLosses: point.peerLosses, lossDifference: point.difference, phasesMilliseconds: point.phases })), lossTolerance: LOSS_TOLERANCE, lossesEqual: equal },
  };
}

/** One size of the sweep: our training and decoding in fresh processes, and PyTorch's training. */
function sweepPoint(config: LanguageModelConfig, batch: number, length: number, steps: number, decodeTokens: number, threads: number) {
  const train = probe({ mode: 'train', config, batch, length, steps });
  const decode = probe({ mode: 'decode', config: { ...config, context: decodeTokens + 8 }, tokens: decodeTokens });
  const peer = pytorchTraining(config, batch, length, steps, threads);
  return { parameters: parameterCountOf(config), config, train, decode, peer: typeof peer === 'string' ? null : { tokensPerSecond: peer.tokensPerSecond, peakRssMegabytes: peer.peakRssMegabytes } };
}

/** The lm-size-sweep entry: speed and peak RSS per size, and the largest size that trains at a useful speed. */
export function sizeSweepEntry(options: BenchOptions): BenchmarkEntry {
  const batch = Number(options.argument('lm-batch') ?? 8);
  const length = Number(options.argument('lm-length') ?? 64);
  const threads = Number(options.argument('lm-threads') ?? 1);
  const steps = options.quick ? 1 : 3;
  const decodeTokens = options.quick ? 32 : 128;
  const configs = options.quick ? sweepConfigs(length).slice(0, 2) : sweepConfigs(length);
  const idle = probe({ mode: 'idle', config: {} });
  const points = configs.map((config) => sweepPoint(config, batch, length, steps, decodeTokens, threads));
  const useful = points.filter((point) => point.train.tokensPerSecond >= USEFUL_TOKENS_PER_SECOND).at(-1);
  const rows = points.map((point) => `| ${(point.parameters / 1e6).toFixed(2)}M (V ${point.config.vocabularySize}, d ${point.config.width}, ${point.config.layers} layers) | ${format(point.train.tokensPerSecond)} | ${point.peer ? format(point.peer.tokensPerSecond) : 'n/a'} | ${format(point.train.peakRssMegabytes)} | ${point.peer ? format(point.peer.peakRssMegabytes) : 'n/a'} | ${format(point.decode.tokensPerSecond)} | ${format(point.decode.peakRssMegabytes)} |`);
  return {
    id: 'lm-size-sweep', title: 'Language-model student: speed and peak memory by model size', command: options.command, dataset: 'fixed tokens (training), untrained weights (decoding)',
    settings: `training batch ${batch} × ${length} tokens, ${steps} timed steps after 2 warm-up, one thread each; greedy decoding of ${decodeTokens} tokens with the KV cache; each figure from a fresh process (peak RSS is that process's maximum resident set, node+tsx alone: ${format(idle.peakRssMegabytes)} MB)`,
    peerName: 'PyTorch', repeats: 1,
    body: ['| size | train tokens/s (ours) | train tokens/s (PyTorch) | train peak RSS MB (ours) | train peak RSS MB (PyTorch) | decode tokens/s (ours) | decode peak RSS MB (ours) |', '|---|---|---|---|---|---|---|', ...rows].join('\n'),
    metrics: [],
    notes: [
      `Useful speed, taken as ≥ ${format(USEFUL_TOKENS_PER_SECOND)} training tokens/s (1M tokens in 30 minutes): the largest size that reached it in this run is ${useful ? `${(useful.parameters / 1e6).toFixed(2)}M parameters (${format(useful.train.tokensPerSecond)} tokens/s)` : 'none'}. The cost per token grows with the parameters (about 6 multiply-adds per parameter per token), so tokens/s falls roughly as 1/size; the limit is the single thread's multiply-add rate and, at the small sizes, the element-wise TypeScript loops.`,
      'Training memory is weights, gradients and the two AdamW moments (16 bytes per parameter) plus the saved activations of the batch (grows with batch × length × width × layers, and the logits with the vocabulary); decoding holds the weights twice (the float32 tensors and their copy in the WebAssembly kernel\'s memory) and the KV cache.',
      'Timed under load from other sessions on a shared 2-core machine: compare figures within a row, not across runs.',
    ],
    extra: { idlePeakRssMegabytes: idle.peakRssMegabytes, usefulTokensPerSecond: USEFUL_TOKENS_PER_SECOND, largestUseful: useful?.parameters ?? null, points },
  };
}
