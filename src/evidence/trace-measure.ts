/**
 * Measures `runTrace` end to end over real HTTP (the figures in the README's trace subsection):
 * `node --import tsx src/evidence/trace-measure.ts [seeds=3]`. Per seed: the word model trained by the
 * engine, served with the KGW processor (watermarked) and without (control); tuples needed for
 * p < 1e-6; the control's p-values under 100 random keys; reading mode on both; and radioactivity
 * proper: a student trained on 400 of the watermarked model's answers (collected over HTTP), served
 * without any processor, traced, beside a control student trained on the control's answers.
 * One JSON line per seed on stdout. `… trace-measure.ts calibration [keys=2000]`: the share of
 * random keys under which 400 unwatermarked answers reach p ≤ 0.1, 0.01, 1e-3. `… distilled-curve
 * [seed=7]`: a student's p-value curve over 200 answers, in-process.
 */
import { trainLanguageModelStudent } from '../student/lm/index.js';
import { kgwProcessor } from './kgw.js';
import { TraceScorer } from './trace-score.js';
import { runReadingTrace } from './trace-reading.js';
import { createSuspect, type Suspect } from './trace-suspect.js';
import { startTestModelServer, type TestModelServer } from './trace-test-server.js';
import { collectAnswers, serveStudent, testKey, trainWordModel } from './trace-test-model.js';
import { traceTokenizerOf, type TraceTokenizer } from './trace-tokenizer.js';
import { runTrace } from './trace.js';
import { generateWatermarkKey } from './watermark-key.js';

const key = testKey();
const prompts = Array.from({ length: 10 }, (_, index) => ({ messages: [{ role: 'user' as const, content: `words ${index}` }] }));
const suspectAt = (server: TestModelServer): Suspect => createSuspect({ baseURL: server.url, model: 'word-model', apiKey: 'unused', maxTokens: 40, temperature: 1, budgetUSD: 1 });

/** The smallest p of `answers` over `keys` random keys (each scored with run-wide de-duplication). */
function controlMinimumLog10P(answers: readonly string[], tokenizer: TraceTokenizer, keys: number): number {
  let minimum = 0;
  for (let index = 0; index < keys; index++) {
    const scorer = new TraceScorer(generateWatermarkKey('kgw'));
    for (const answer of answers) scorer.add(tokenizer.encode(answer));
    minimum = Math.min(minimum, scorer.score().log10P);
  }
  return minimum;
}

/** One seed's figures. */
async function measureSeed(seed: number): Promise<Record<string, unknown>> {
  const model = trainWordModel(seed);
  const tokenizer = traceTokenizerOf('word model', model.tokenizer);
  const processor = kgwProcessor(key);
  const logitsProcessor = (logits: Float32Array, state: { generated: readonly number[] }) => processor(logits, state.generated);
  const watermarked = await startTestModelServer({ kind: 'lm', bytes: model.bytes, logitsProcessor });
  const control = await startTestModelServer({ kind: 'lm', bytes: model.bytes });
  try {
    const marked = await runTrace({ key, tokenizer, suspect: suspectAt(watermarked), prompts, rounds: 10 });
    const clean = await runTrace({ key, tokenizer, suspect: suspectAt(control), prompts, rounds: 10 });
    const markedAnswers = await collectAnswers(suspectAt(watermarked), 400);
    const controlAnswers = await collectAnswers(suspectAt(control), 400);
    const ownerTexts = markedAnswers.slice(0, 20).map((example) => example.answer);
    const readMarked = await runReadingTrace({ key, tokenizer, suspect: suspectAt(watermarked), texts: ownerTexts });
    const readClean = await runReadingTrace({ key, tokenizer, suspect: suspectAt(control), texts: ownerTexts });
    const distilled = await serveStudent(markedAnswers, model.tokenizer, seed);
    const controlStudent = await serveStudent(controlAnswers, model.tokenizer, seed);
    try {
      const distilledTrace = await runTrace({ key, tokenizer, suspect: suspectAt(distilled), prompts, rounds: 20 });
      const controlStudentTrace = await runTrace({ key, tokenizer, suspect: suspectAt(controlStudent), prompts, rounds: 20 });
      const readDistilled = await runReadingTrace({ key, tokenizer, suspect: suspectAt(distilled), texts: ownerTexts });
      const readControlStudent = await runReadingTrace({ key, tokenizer, suspect: suspectAt(controlStudent), texts: ownerTexts });
      const brief = (result: Awaited<ReturnType<typeof runTrace>>) => ({ verdict: result.verdict, log10P: result.score.log10P, scored: result.score.scored, answers: result.answers, stop: result.stop, greenShare: result.score.statistic / Math.max(1, result.score.scored) });
      const reading = (result: Awaited<ReturnType<typeof runReadingTrace>>) => (result.available ? { verdict: result.verdict, log10P: result.score.log10P, scored: result.score.scored } : result);
      return {
        seed, watermarkedModel: brief(marked), controlModel: brief(clean),
        controlMinimumLog10POver100Keys: controlMinimumLog10P(controlAnswers.map((example) => example.answer), tokenizer, 100),
        readingWatermarkedModel: reading(readMarked), readingControlModel: reading(readClean),
        distilledStudent: brief(distilledTrace), controlStudent: brief(controlStudentTrace),
        readingDistilledStudent: reading(readDistilled), readingControlStudent: reading(readControlStudent),
      };
    } finally {
      await distilled.close();
      await controlStudent.close();
    }
  } finally {
    await watermarked.close();
    await control.close();
  }
}

/** The null distribution: 400 control answers (sampled in-process, no processor) scored under `keys` random keys. */
function calibration(keys: number): Record<string, number> {
  const model = trainWordModel(1);
  const answers = Array.from({ length: 400 }, (_, index) => model.student.generate(`words ${index % 10}`, { maxTokens: 40, temperature: 1, seed: 1000 + index }).tokens);
  const pValues: number[] = [];
  let scored = 0;
  for (let index = 0; index < keys; index++) {
    const scorer = new TraceScorer(generateWatermarkKey('kgw'));
    for (const answer of answers) scorer.add(answer);
    pValues.push(scorer.score().pValue);
    scored = scorer.score().scored;
  }
  const share = (threshold: number) => pValues.filter((p) => p <= threshold).length / keys;
  return { keys, scored, atMost0_1: share(0.1), atMost0_01: share(0.01), atMost1e3: share(1e-3), minimum: Math.min(...pValues) };
}

/** In-process (no HTTP): a student of the seed's watermarked model, scored over 200 answers; log10 p and green share every 20 answers. */
function distilledCurve(seed: number): Record<string, unknown> {
  const model = trainWordModel(seed);
  const processor = kgwProcessor(key);
  const logitsProcessor = (logits: Float32Array, state: { generated: readonly number[] }) => processor(logits, state.generated);
  const data = Array.from({ length: 400 }, (_, index) => ({ prompt: `words ${index % 10}`, answer: model.student.generate(`words ${index % 10}`, { maxTokens: 40, temperature: 1, seed: index, logitsProcessor }).text }));
  const { student } = trainLanguageModelStudent(data, undefined, { tokenizer: model.tokenizer, config: { width: 48, layers: 1, heads: 2, keyValueHeads: 2, hiddenWidth: 96, context: 128 }, training: { steps: 600, batchSize: 16, learningRate: 1e-2, seed: 1, patience: 100 } });
  const scorer = new TraceScorer(key);
  const curve: Array<{ answers: number; scored: number; log10P: number; greenShare: number }> = [];
  for (let index = 0; index < 200; index++) {
    scorer.add(student.generate(`words ${index % 10}`, { maxTokens: 40, temperature: 1, seed: 5000 + index }).tokens);
    const score = scorer.score();
    if (index % 20 === 19) curve.push({ answers: index + 1, scored: score.scored, log10P: score.log10P, greenShare: score.statistic / score.scored });
  }
  return { seed, curve };
}

if (process.argv[2] === 'distilled-curve') {
  process.stdout.write(`${JSON.stringify(distilledCurve(Number(process.argv[3] ?? 7)))}\n`);
} else if (process.argv[2] === 'calibration') {
  process.stdout.write(`${JSON.stringify(calibration(Number(process.argv[3] ?? 2000)))}\n`);
} else {
  const seeds = Number(process.argv[2] ?? 3);
  for (let seed = 1; seed <= seeds; seed++) process.stdout.write(`${JSON.stringify(await measureSeed(seed))}\n`);
}
