/**
 * The radioactivity test end to end over real HTTP: a tiny language model trained here by the engine
 * is served by the test-only OpenAI-compatible server, once with the KGW processor in the decoder's
 * hook (watermarked) and once without (control); `runTrace` queries each through the project's
 * OpenAI client and must find p < 1e-6 for the first and nothing for the second. Reading mode does
 * the same over completions with echo + logprobs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../util/random.js';
import { gumbelSampler } from './gumbel.js';
import { kgwProcessor } from './kgw.js';
import { runReadingTrace } from './trace-reading.js';
import { TraceScorer } from './trace-score.js';
import { createSuspect } from './trace-suspect.js';
import { startTestModelServer, type TestModelServer } from './trace-test-server.js';
import { testKey, trainWordModel } from './trace-test-model.js';
import { traceTokenizerOf, type TraceTokenizer } from './trace-tokenizer.js';
import { runTrace } from './trace.js';

const key = testKey();
let watermarked: TestModelServer;
let control: TestModelServer;
let tokenizer: TraceTokenizer;
let ownerTexts: string[];
const prompts = Array.from({ length: 10 }, (_, index) => ({ messages: [{ role: 'user' as const, content: `words ${index}` }] }));

beforeAll(async () => {
  const model = trainWordModel();
  tokenizer = traceTokenizerOf('word model', model.tokenizer);
  const processor = kgwProcessor(key);
  const logitsProcessor = (logits: Float32Array, state: { generated: readonly number[] }) => processor(logits, state.generated);
  watermarked = await startTestModelServer({ kind: 'lm', bytes: model.bytes, logitsProcessor });
  control = await startTestModelServer({ kind: 'lm', bytes: model.bytes });
  // The owner's own watermarked outputs, for reading mode.
  ownerTexts = Array.from({ length: 6 }, (_, index) => model.student.generate(`words ${index}`, { maxTokens: 40, temperature: 1, seed: 100 + index, logitsProcessor }).text);
}, 60_000);

afterAll(async () => {
  await watermarked?.close();
  await control?.close();
});

const suspectAt = (server: TestModelServer, budgetUSD = 1) => createSuspect({ baseURL: server.url, model: 'word-model', apiKey: 'unused', maxTokens: 40, temperature: 1, budgetUSD });

describe('runTrace against a served language model', () => {
  it('finds the watermark of a suspect that samples with the KGW processor (p < 1e-6) and stops there', async () => {
    const result = await runTrace({ key, tokenizer, suspect: suspectAt(watermarked), prompts, rounds: 5, targetP: 1e-6 });
    expect(result.verdict).toBe('radioactive');
    expect(result.stop).toBe('target');
    expect(result.score.pValue).toBeLessThan(1e-6);
    expect(10 ** result.adjustedLog10P).toBeLessThan(1e-6);
    expect(result.answers).toBeLessThan(50);
    expect(result.curve.at(-1)?.scored).toBe(result.score.scored);
  });

  it('finds nothing in the same model sampled without the processor', async () => {
    const result = await runTrace({ key, tokenizer, suspect: suspectAt(control), prompts, rounds: 3 });
    expect(result.stop).toBe('prompts');
    expect(result.answers).toBe(30);
    expect(result.score.enoughEvidence).toBe(true);
    expect(result.verdict).toBe('not significant');
    expect(result.score.pValue).toBeGreaterThan(1e-3);
  });

  it('says "not enough evidence" when too few distinct tuples were scored to support a p-value', async () => {
    const terse = await startTestModelServer({ kind: 'rules', answer: () => 'apple river stone' });
    try {
      const result = await runTrace({ key, tokenizer, suspect: suspectAt(terse), prompts, rounds: 3 });
      expect(result.stop).toBe('prompts');
      expect(result.score.scored).toBe(2);
      expect(result.verdict).toBe('not enough evidence');
    } finally {
      await terse.close();
    }
  });

  it('stops at the cap on tuples scored', async () => {
    const result = await runTrace({ key, tokenizer, suspect: suspectAt(control), prompts, rounds: 5, maxTokensScored: 100 });
    expect(result.stop).toBe('max-tokens-scored');
    expect(result.score.scored).toBeGreaterThanOrEqual(100);
    expect(result.answers).toBeLessThan(50);
  });

  it('stops at the budget: a suspect priced at $1 per 1M tokens with a budget for three calls answers three', async () => {
    const suspect = createSuspect({ baseURL: control.url, model: 'word-model', apiKey: 'unused', maxTokens: 40, temperature: 1, budgetUSD: 3.5 * (40 + 20) / 1e6, prices: { inputPer1M: 1, outputPer1M: 1 } });
    const result = await runTrace({ key, tokenizer, suspect, prompts, rounds: 5 });
    expect(result.stop).toBe('budget');
    expect(result.stopDetail).toContain('--budget-usd');
    expect(result.answers).toBeGreaterThanOrEqual(3);
    expect(result.spentUSD).toBeLessThanOrEqual(3.5 * 60 / 1e6);
  });
});

describe('reading mode (completions with echo + logprobs)', () => {
  it("scores the watermarked suspect's top-1 predictions over the owner's texts as radioactive, the control's as not", async () => {
    const marked = await runReadingTrace({ key, tokenizer, suspect: suspectAt(watermarked), texts: ownerTexts });
    const clean = await runReadingTrace({ key, tokenizer, suspect: suspectAt(control), texts: ownerTexts });
    if (!marked.available || !clean.available) throw new Error('reading mode should be available on the test server');
    expect(marked.verdict).toBe('radioactive');
    expect(marked.score.pValue).toBeLessThan(1e-6);
    expect(clean.score.pValue).toBeGreaterThan(1e-3);
    expect(marked.positions).toBeGreaterThan(25);
  });

  it('is "unavailable" with the reason when the suspect does not serve echo (a rule-based server)', async () => {
    const rules = await startTestModelServer({ kind: 'rules', answer: () => 'hello' });
    try {
      const result = await runReadingTrace({ key, tokenizer, suspect: suspectAt(rules), texts: ownerTexts });
      expect(result.available).toBe(false);
      if (!result.available) expect(result.reason).toMatch(/rejected completions with echo and logprobs \(HTTP 400/);
    } finally {
      await rules.close();
    }
  });
});

describe('TraceScorer', () => {
  it('scores a tuple once across the run however often answers repeat it', () => {
    const scorer = new TraceScorer(key);
    const text = ownerTexts[0]!;
    scorer.add(tokenizer.encode(text));
    const once = scorer.score();
    for (let repeat = 0; repeat < 20; repeat++) scorer.add(tokenizer.encode(text));
    expect(scorer.score().scored).toBe(once.scored);
    expect(scorer.score().log10P).toBe(once.log10P);
    expect(scorer.score().skipped).toBeGreaterThan(20 * (once.scored - 1));
  });

  it('skips tuples that are in the prompt: a clean suspect that quotes a watermarked prompt scores nothing (without the filter it would look radioactive)', () => {
    const quoted = ownerTexts.join(' ');
    const filtered = new TraceScorer(key);
    filtered.add(tokenizer.encode(quoted), tokenizer.encode(quoted));
    expect(filtered.score().scored).toBe(0);
    const unfiltered = new TraceScorer(key);
    unfiltered.add(tokenizer.encode(quoted));
    expect(unfiltered.score().pValue).toBeLessThan(1e-6);
  });

  it('scores Gumbel keys too: Gumbel-sampled tokens are found, the same key finds nothing in uniform random tokens', () => {
    const gumbel = testKey('gumbel');
    // A different random distribution at each step, so that the deterministic choice per context does not loop.
    const draw = createRandom(3);
    const sampler = gumbelSampler(gumbel, () => draw.next());
    const marked: number[] = [];
    const random: number[] = [];
    for (let index = 0; index < 300; index++) {
      marked.push(sampler(Array.from({ length: 64 }, () => draw.next()), marked));
      random.push(draw.nextInt(64));
    }
    const found = new TraceScorer(gumbel);
    found.add(marked);
    const clean = new TraceScorer(gumbel);
    clean.add(random);
    expect(found.score().pValue).toBeLessThan(1e-6);
    expect(clean.score().pValue).toBeGreaterThan(1e-3);
  });
});
