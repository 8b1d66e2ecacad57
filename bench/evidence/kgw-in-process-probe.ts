/**
 * An in-process probe of KGW radioactivity (no HTTP, no pipeline), for profiling what a student
 * needs to pick the mark up: an owner LM on the licence windows, N watermarked and N clean answers
 * sampled from it, a student on each, and each student's p-value over ~5,000 scored tuples. Settings
 * by environment (V vocabulary, A answer words, CTX context, OS/SS owner/student steps, LR, D δ,
 * H context width, N answers, MT max tokens, SW student width); the key is random per run.
 *   V=512 H=1 D=3 A=20 CTX=96 LR=1e-2 OS=400 SS=400 MT=48 node --import tsx bench/evidence/kgw-in-process-probe.ts
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { trainLanguageModelStudent } from '../../src/student/lm/lm-student.js';
import { trainTokenizer } from '../../src/student/lm/tokenizer.js';
import { kgwProcessor } from '../../src/evidence/kgw.js';
import { TraceScorer } from '../../src/evidence/trace-score.js';
import { generateWatermarkKey } from '../../src/evidence/watermark-key.js';
import { unitInterval } from '../../src/util/hash.js';

const LICENCES = '/usr/share/common-licenses';
const files = readdirSync(LICENCES).map((n) => path.join(LICENCES, n)).filter((f) => statSync(f).isFile()).sort();
const words = files.flatMap((f) => readFileSync(f, 'utf8').split(/\s+/).filter((w) => w.length > 0 && w.length < 16));
const P = 6, A = Number(process.env.A ?? 30);
const windows: Array<{ prompt: string; answer: string }> = [];
for (let s = 0; s + P + A <= words.length; s += P + A) windows.push({ prompt: `continue: ${words.slice(s, s + P).join(' ')}`, answer: words.slice(s + P, s + P + A).join(' ') });
windows.sort((a, b) => unitInterval(a.prompt) - unitInterval(b.prompt));
console.log('words', words.length, 'windows', windows.length);
let t = performance.now();
const lap = (what: string) => { const now = performance.now(); console.log(what, ((now - t) / 1000).toFixed(1), 's'); t = now; };
const tokenizer = trainTokenizer(windows.flatMap((w) => [w.prompt, w.answer]), Number(process.env.V ?? 512));
lap('tokenizer');
const fit = windows.filter((w) => tokenizer.encode(`${w.prompt} ${w.answer}`).length <= Number(process.env.CTX ?? 96) - 8); windows.length = 0; windows.push(...fit); console.log('fit', windows.length);
const ownerSteps = Number(process.env.OS ?? 300);
const { student: owner, report } = trainLanguageModelStudent(windows.slice(0, 1000), windows.slice(1000, 1060), { tokenizer, config: { width: 64, layers: 2, heads: 2, keyValueHeads: 2, hiddenWidth: 176, context: Number(process.env.CTX ?? 96) }, training: { steps: ownerSteps, batchSize: 16, learningRate: Number(process.env.LR ?? 5e-3), warmupSteps: 30, evaluateEvery: 50, patience: 4, seed: 7 } });
lap(`owner val ${report.bestValidationLoss.toFixed(3)} params ${owner.parameterCount()}`);
const key = generateWatermarkKey('kgw', { delta: Number(process.env.D ?? 2), contextWidth: Number(process.env.H ?? 1) });
const proc = kgwProcessor(key);
const lp = (logits: Float32Array, state: { generated: readonly number[] }) => proc(logits, state.generated);
const N = Number(process.env.N ?? 600);
const prompts = windows.map((w) => w.prompt);
const W = [], U = [];
let wsc = new TraceScorer(key), usc = new TraceScorer(key);
for (let i = 0; i < N; i++) {
  const prompt = prompts[i % prompts.length]!;
  const gw = owner.generate(prompt, { maxTokens: Number(process.env.MT ?? 48), temperature: 1, seed: i, logitsProcessor: lp });
  const gu = owner.generate(prompt, { maxTokens: Number(process.env.MT ?? 48), temperature: 1, seed: i });
  W.push({ prompt, answer: gw.text }); U.push({ prompt, answer: gu.text });
  wsc.add(tokenizer.encode(gw.text), tokenizer.encode(prompt)); usc.add(tokenizer.encode(gu.text), tokenizer.encode(prompt));
}
lap(`harvest x2 ${N}`);
const s = (sc: TraceScorer) => { const x = sc.score(); return `scored ${x.scored} green ${(x.statistic / x.scored).toFixed(3)} log10p ${x.log10P.toFixed(1)}`; };
console.log('W harvest', s(wsc)); console.log('U harvest', s(usc));
console.log('sample W:', W[0]!.answer); console.log('sample U:', U[0]!.answer);
const sSteps = Number(process.env.SS ?? 300);
for (const [name, data] of [['distilled', W], ['control', U]] as const) {
  const { student, report: r } = trainLanguageModelStudent(data.slice(0, N - 50), data.slice(N - 50), { tokenizer, config: { width: Number(process.env.SW ?? 48), layers: 2, heads: 2, keyValueHeads: 2, hiddenWidth: 128, context: Number(process.env.CTX ?? 96) + 64 }, training: { steps: sSteps, batchSize: 16, learningRate: Number(process.env.LR ?? 5e-3), warmupSteps: 20, evaluateEvery: 50, patience: 4, seed: 1 } });
  lap(`${name} trained val ${r.bestValidationLoss.toFixed(3)}`);
  const sc = new TraceScorer(key);
  const marks: string[] = [];
  for (let i = 0; sc.score().scored < 5000 && i < 3000; i++) {
    const prompt = prompts[(i * 7) % prompts.length]!;
    const g = student.generate(prompt, { maxTokens: Number(process.env.MT ?? 48), temperature: 1, seed: 10_000 + i });
    sc.add(tokenizer.encode(g.text), tokenizer.encode(prompt));
    if (i % 50 === 49) marks.push(`${sc.score().scored}:${sc.score().log10P.toFixed(1)}`);
  }
  lap(`${name} trace ${s(sc)}`);
  console.log(marks.join(' '));
}
