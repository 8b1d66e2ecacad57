/**
 * An in-process probe of what a KGW student needs (no HTTP, no pipeline): the bench's owner model
 * (cached), N watermarked answers at temperature 1 (SRC=mix: the unseen licence windows, then README
 * prompts), a student of width SW / hidden SH trained SS steps, and its trace at each temperature of
 * TEMPS on the bench's 200 fresh licence prompts up to 5,000 distinct tuples, with 20 random keys as
 * a null check (TENTH=1: 10% of the answers watermarked). E.g. (the figures in the KGW report):
 *   SRC=mix N=3400 SW=64 SH=176 SS=600 TEMPS=1,0.5 node --import tsx bench/evidence/kgw-student-probe.ts
 */
import { licenceWindows, otherText } from './kgw-corpus.js';
import { ownerModel } from './kgw-owner.js';
import { seedKey } from './kgw-arms.js';
import { kgwProcessor } from '../../src/evidence/kgw.js';
import { TraceScorer } from '../../src/evidence/trace-score.js';
import { generateWatermarkKey } from '../../src/evidence/watermark-key.js';
import { trainLanguageModelStudent, trainTokenizer } from '../../src/student/lm/index.js';
const env = (k: string, d: number) => Number(process.env[k] ?? d);
let t = performance.now();
const lap = (what: string) => { const now = performance.now(); console.log(what, ((now - t) / 1000).toFixed(1), 's'); t = now; };
const windows = licenceWindows(14);
const ownerTrain = windows.slice(0, Math.floor(windows.length / 2));
const rest = windows.slice(ownerTrain.length);
const owner = ownerModel(ownerTrain, rest.slice(0, 60), { vocabularySize: 512, width: 64, layers: 2, hiddenWidth: 176, context: 80, steps: 250, learningRate: 1e-2 }).student;
lap('owner');
const unseen = rest.slice(60).map((w) => w.prompt);
const tracePrompts = unseen.slice(0, 200);
let harvestPrompts = unseen.slice(200);
if (process.env.SRC === 'mix') {
  const readme = otherText(20000).map((s) => `continue: ${s.split(' ').slice(0, 6).join(' ')}`);
  harvestPrompts = [...new Set([...harvestPrompts, ...readme])];
  console.log('readme prompts', readme.length, 'total', harvestPrompts.length);
}
const N = Math.min(env('N', 500), harvestPrompts.length);
const key = seedKey(env('SEED', 1), { gamma: 0.25, delta: 3, contextWidth: 1 });
const proc = kgwProcessor(key);
const MT = env('MT', 40);
const W: Array<{ prompt: string; answer: string }> = [], U: typeof W = [];
const dsc = new TraceScorer(key);
for (let i = 0; i < N; i++) {
  const prompt = harvestPrompts[i]!;
  const gw = owner.generate(prompt, { maxTokens: MT, temperature: 1, seed: i, logitsProcessor: (l, s) => proc(l, s.generated) });
  if (gw.finishReason === 'stop') { W.push({ prompt, answer: gw.text }); dsc.add(owner.tokenizer.encode(gw.text), owner.tokenizer.encode(prompt)); }
  if (process.env.TENTH) { const gu = owner.generate(prompt, { maxTokens: MT, temperature: 1, seed: i + 1e6 }); if (gu.finishReason === 'stop') U.push({ prompt, answer: gu.text }); }
}
const d = dsc.score();
lap(`harvest ${N} kept ${W.length} data green ${(d.statistic / d.scored).toFixed(3)} over ${d.scored}`);
let data = W;
if (process.env.TENTH) { const wm = new Map(W.map((x) => [x.prompt, x])); data = U.map((u, i) => (i % 10 === 0 && wm.has(u.prompt) ? wm.get(u.prompt)! : u)); }
const tok = trainTokenizer(data.flatMap((e) => [e.prompt, e.answer]), 512);
const held = Math.max(20, Math.floor(data.length / 10));
const { student, report } = trainLanguageModelStudent(data.slice(held), data.slice(0, held), { tokenizer: tok, config: { width: env('SW', 48), layers: 2, heads: 2, keyValueHeads: 2, hiddenWidth: env('SH', 128), context: 128 }, training: { steps: env('SS', 400), batchSize: 16, learningRate: 1e-2, warmupSteps: 20, evaluateEvery: 50, patience: 4, seed: 1 } });
lap(`student val ${report.bestValidationLoss.toFixed(3)}`);
for (const T of (process.env.TEMPS ?? '1,0.7,0.4').split(',').map(Number)) {
  const sc = new TraceScorer(key);
  const rk = Array.from({ length: 20 }, () => new TraceScorer(generateWatermarkKey('kgw', { gamma: 0.25, delta: 3, contextWidth: 1 })));
  let looks = 0, first: number | null = null, best = 0; const marks: string[] = []; let nextMark = 500;
  for (let i = 0; sc.score().scored < 5000 && i < 10000; i++) {
    const prompt = tracePrompts[i % tracePrompts.length]!;
    const g = student.generate(prompt, { maxTokens: MT, temperature: T, seed: 10_000 + i });
    const a = owner.tokenizer.encode(g.text), p = owner.tokenizer.encode(prompt);
    sc.add(a, p); for (const r of rk) r.add(a, p); looks++;
    const s = sc.score(); best = Math.min(best, s.log10P + Math.log10(looks)); if (s.scored >= nextMark) { marks.push(`${s.scored}:${(s.statistic / s.scored).toFixed(3)}:${s.log10P.toFixed(1)}`); nextMark *= 2; } if (first === null && s.scored >= 25 && s.log10P + Math.log10(looks) <= -6) first = s.scored;
  }
  const s = sc.score();
  lap(`T=${T}: scored ${s.scored} green ${(s.statistic / s.scored).toFixed(3)} log10p ${s.log10P.toFixed(2)} looks ${looks} adj ${(s.log10P + Math.log10(looks)).toFixed(2)} at1e-6 ${first} best adj ${best.toFixed(2)} ${marks.join(' ')} randomkeys min ${Math.min(...rk.map((r) => r.score().log10P)).toFixed(2)}`);
}
