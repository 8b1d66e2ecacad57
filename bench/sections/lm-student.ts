/**
 * The language-model student against its peers, in the same run:
 *   lm-train-vs-pytorch      training tokens/s (forward, masked loss, backward, clipping, AdamW) vs
 *                            the same model in PyTorch on CPU, same config and thread count (bench/lm/pytorch-train.py)
 *   lm-decode-vs-llama-cpp   greedy decoding tokens/s with the KV cache vs llama.cpp (node-llama-cpp) on the GGUF export
 *   lm-kd-token-vs-sequence  students of a teacher LM trained on public text: token-level vs sequence-level KD (bench/lm/kd-experiment.ts)
 *   lm-tokenizer             BPE encode speed vs gpt-tokenizer (o200k_base) on this repository's source text
 *   lm-size-sweep            training/decoding tokens/s and peak RSS per size, ~0.2M–21M parameters (child processes)
 *   lm-two-cores             two single-thread trainers at once vs one: the ceiling of data-parallel training here
 * Knobs: --lm-entries=ID,... (a partial run: other entries are kept), --lm-batch=N --lm-length=N (training), --lm-width=N --lm-layers=N (decoding), --lm-threads=N (peer threads; ours is one thread).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import fastGlob from 'fast-glob';
import { languageModelConfig, parameterCountOf, type LanguageModelConfig } from '../../src/student/lm/config.js';
import { exportGguf } from '../../src/student/lm/gguf.js';
import { transformerStepModel } from '../../src/student/lm/inference.js';
import { trainLanguageModelStudent } from '../../src/student/lm/lm-student.js';
import { importOptional, type LlamaModule } from '../../src/student/lm/optional-modules.js';
import { argmax } from '../../src/student/lm/sampler.js';
import { trainTokenizer } from '../../src/student/lm/tokenizer.js';
import { initialWeights } from '../../src/student/lm/weights.js';
import { sizeSweepEntry, sizedConfig, trainingEntry } from '../lm/training-entries.js';
import { twoCoresEntry } from '../lm/two-cores.js';
import { distillationEntry } from '../lm/kd-experiment.js';
import type { BenchOptions } from '../options.js';
import { machineFacts, spread, writeSection, type BenchmarkEntry } from '../report.js';

const here = path.dirname(new URL(import.meta.url).pathname);

/** The decoding benchmark's model shape (the 0.9M training point). */
function shape(options: BenchOptions): { config: LanguageModelConfig; threads: number } {
  return { config: sizedConfig(1024, Number(options.argument('lm-width') ?? 128), Number(options.argument('lm-layers') ?? 4), 64), threads: Number(options.argument('lm-threads') ?? 1) };
}

/** Runs `make` and adds the machine's load average before and after to its notes. */
async function underLoad(make: () => BenchmarkEntry | Promise<BenchmarkEntry>): Promise<BenchmarkEntry> {
  const before = os.loadavg()[0] as number;
  const entry = await make();
  const after = os.loadavg()[0] as number;
  return { ...entry, notes: [...entry.notes, `Load average (1 min) ${before.toFixed(1)} before and ${after.toFixed(1)} after this entry, on ${os.cpus().length} cores shared with other sessions.`], extra: { ...entry.extra, loadAverage: { before, after } } };
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
    notes: [peerNote, 'Ours decodes one token at a time: the weight matrices stay resident in the WebAssembly SIMD kernel\'s memory, one vector × matrix product per weight per token.'],
    extra: { ours, peer },
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
  const makers: Array<[string, () => BenchmarkEntry | Promise<BenchmarkEntry>]> = [
    ['lm-train-vs-pytorch', () => trainingEntry(options)], ['lm-size-sweep', () => sizeSweepEntry(options)], ['lm-two-cores', () => twoCoresEntry(options)],
    ['lm-decode-vs-llama-cpp', () => decodeEntry(options)], ['lm-kd-token-vs-sequence', () => distillationEntry(options)], ['lm-tokenizer', () => tokenizerEntry(options)],
  ];
  const only = options.argument('lm-entries')?.split(',');
  const unknown = (only ?? []).filter((id) => !makers.some(([known]) => known === id));
  if (unknown.length > 0) throw new Error(`unknown lm-student entries ${unknown.join(', ')}; known: ${makers.map(([id]) => id).join(', ')}`);
  const entries: BenchmarkEntry[] = [];
  for (const [id, make] of makers) if (only === undefined || only.includes(id)) entries.push(await underLoad(make));
  writeSection({ id: 'lm-student', title: 'The language-model student', entries, quick: options.quick, facts: machineFacts(), partial: only !== undefined });
}
