/**
 * `serve --watermark key.json`: a watermark key as decoder settings. KGW plugs into the logits
 * processor (δ on the keyed green list, so the logprobs a client sees are the distribution actually
 * sampled from); Gumbel replaces the sampler (argmax r^(1/p) over the keyed PRF values). Both seed
 * their PRF with the previous h tokens of the answer alone, which is what detection scores.
 * A greedy choice carries no Gumbel mark, so under a Gumbel key temperature 0 samples at 1.
 */
import { gumbelSampler } from '../evidence/gumbel.js';
import { kgwProcessor } from '../evidence/kgw.js';
import type { WatermarkKey } from '../evidence/watermark-key.js';
import type { LogitsProcessor, TokenSampler } from '../student/lm/decoder.js';
import { createRandom } from '../util/random.js';

/** The decoder settings a key contributes. */
export interface WatermarkDecoding {
  logitsProcessor?: LogitsProcessor;
  sampler?: TokenSampler;
}

/** Softmax of `logits / temperature` over the allowed tokens (0 elsewhere). */
function allowedProbabilities(logits: Float32Array, allowed: Uint8Array | undefined, temperature: number): Float64Array {
  const probabilities = new Float64Array(logits.length);
  let max = -Infinity;
  for (let token = 0; token < logits.length; token++) if (allowed === undefined || allowed[token] === 1) max = Math.max(max, (logits[token] as number) / temperature);
  if (max === -Infinity) return probabilities;
  let sum = 0;
  for (let token = 0; token < logits.length; token++) {
    if (allowed !== undefined && allowed[token] !== 1) continue;
    const weight = Math.exp((logits[token] as number) / temperature - max);
    probabilities[token] = weight;
    sum += weight;
  }
  for (let token = 0; token < logits.length; token++) probabilities[token] = (probabilities[token] as number) / sum;
  return probabilities;
}

/** The Gumbel sampler as a decoder sampler at `temperature` (1 when 0 is asked, see above). */
function gumbelTokenSampler(key: WatermarkKey, temperature: number, seed: number): TokenSampler {
  const random = createRandom(seed);
  const choose = gumbelSampler(key, () => random.next());
  const effective = temperature > 0 ? temperature : 1;
  return (logits, allowed, state) => {
    const probabilities = allowedProbabilities(logits, allowed, effective);
    if (!probabilities.some((probability) => probability > 0)) return -1;
    return choose(probabilities, state.generated);
  };
}

/** Decoder settings that watermark one generation with `key` (none without a key). */
export function watermarkDecoding(key: WatermarkKey | undefined, temperature: number, seed: number): WatermarkDecoding {
  if (key === undefined) return {};
  if (key.scheme === 'gumbel') return { sampler: gumbelTokenSampler(key, temperature, seed) };
  const process = kgwProcessor(key);
  return { logitsProcessor: (logits, state) => process(logits, state.generated) };
}

/** Settings a watermark overrides, for the warning header (top_p and top-k do not apply under Gumbel). */
export function watermarkIgnores(key: WatermarkKey | undefined, topP: number): string[] {
  return key?.scheme === 'gumbel' && topP < 1 ? ['top_p (the Gumbel watermark samples from the whole distribution)'] : [];
}
