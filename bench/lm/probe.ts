/**
 * One measurement in a fresh process, so its peak RSS is its own: `train` runs the training
 * benchmark loop (bench/lm/our-training.ts), `decode` greedy-decodes with the KV cache, `idle`
 * only loads the modules (the floor every probe pays). Prints one JSON line:
 *   node --import tsx bench/lm/probe.ts '{"mode":"train","config":{...},"batch":8,"length":64,"steps":3}'
 */
import { languageModelConfig, type LanguageModelConfig } from '../../src/student/lm/config.js';
import { transformerStepModel } from '../../src/student/lm/inference.js';
import { argmax } from '../../src/student/lm/sampler.js';
import { initialWeights } from '../../src/student/lm/weights.js';
import { ourTraining } from './our-training.js';

/** What the parent asks for. */
interface ProbeRequest { mode: 'train' | 'decode' | 'idle'; config: Partial<LanguageModelConfig>; batch: number; length: number; steps: number; tokens: number }

/** Greedy decoding tokens/s over `count` tokens from one start token. */
function decodeSpeed(config: LanguageModelConfig, count: number): number {
  const model = transformerStepModel(initialWeights(config, 2));
  const cache = model.newCache();
  let token = 1;
  const started = performance.now();
  for (let position = 0; position < count; position++) token = argmax(model.forwardStep(token, position, cache), undefined);
  return count / ((performance.now() - started) / 1000);
}

const request = JSON.parse(process.argv[2] ?? '{}') as ProbeRequest;
const config = languageModelConfig(request.config);
let tokensPerSecond = 0;
if (request.mode === 'train') tokensPerSecond = ourTraining(config, request.batch, request.length, request.steps).tokensPerSecond;
else if (request.mode === 'decode') tokensPerSecond = decodeSpeed(config, request.tokens);
process.stdout.write(`${JSON.stringify({ tokensPerSecond, peakRssMegabytes: process.resourceUsage().maxRSS / 1024 })}\n`);
