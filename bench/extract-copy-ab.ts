/**
 * The copy constraint A/B on one trained student: the extract demo's student settings (EXTRACT_DEMO_STUDENT in
 * src/demo/extract-task.ts, overridable with --set), N teacher calls, S steps; the same weights then answer the
 * held-out sentences with copyStrings off and on. Prints one JSON line (CPU seconds beside wall, load averages).
 *   npx tsx bench/extract-copy-ab.ts --calls=2000 --steps=150 --test=200 [--set='{"pretokenizer":"words"}'] [--save=file]
 */
import os from 'node:os';
import { ENTITY_SCHEMA } from '../src/demo/entity-extractor.js';
import { EXTRACT_DEMO_STUDENT } from '../src/demo/extract-task.js';
import { evaluateExtract } from '../src/eval/generative-evaluation.js';
import { trainLanguageModelStudent } from '../src/student/lm/lm-student.js';
import { trainTokenizer } from '../src/student/lm/tokenizer.js';
import { languageModelSettingsSchema, languageModelShape } from '../src/task/student-kind-settings.js';
import { buildSentenceCorpus } from '../src/demo/sentence-corpus.js';
import { collectTeacherAnswers, heldOutSentences } from './extract-student.js';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const calls = Number(arg('calls', '2000')); const steps = Number(arg('steps', '150')); const testCount = Number(arg('test', '200'));
const overrides = JSON.parse(arg('set', '{}')) as Record<string, unknown>;
const settings = languageModelSettingsSchema.parse({ ...EXTRACT_DEMO_STUDENT.lm, ...overrides });
const cpu0 = process.cpuUsage(); const t0 = performance.now(); const load0 = os.loadavg();
const trainItems = await buildSentenceCorpus({ limit: calls, seed: 0, minChars: 40, maxChars: 250 });
const testItems = await heldOutSentences(testCount, new Set(trainItems.map((item) => item.id)));
const collection = await collectTeacherAnswers([...trainItems, ...testItems].map((item) => item.text));
const train = collection.answered.slice(0, trainItems.length).map((a) => ({ prompt: a.sentence, answer: a.answer }));
const test = collection.answered.slice(trainItems.length);
const tokenizer = trainTokenizer(train.flatMap((e) => [e.prompt, e.answer]), settings.vocabularySize, settings.pretokenizer);
const longest = Math.max(...train.map((e) => tokenizer.encode(e.prompt).length + tokenizer.encode(e.answer).length + 3));
const context = Math.ceil((longest * 1.25 + 8) / 16) * 16;
const cpuTrain = process.cpuUsage();
const { student, report } = trainLanguageModelStudent(train, undefined, {
  tokenizer, validationShare: 0.05, config: { ...languageModelShape(settings), context },
  training: { steps, batchSize: settings.batchSize, learningRate: settings.learningRate, evaluateEvery: Math.min(settings.evaluateEvery, steps), patience: settings.patience, ...(settings.warmupSteps === undefined ? {} : { warmupSteps: settings.warmupSteps }) },
});
import { writeFileSync } from 'node:fs';
if (arg('save', '') !== '') writeFileSync(arg('save', ''), student.toBytes('f16'));
const trainCpu = (process.cpuUsage(cpuTrain).user + process.cpuUsage(cpuTrain).system) / 1e6;
const out: Record<string, unknown> = { calls, steps: report.stepsRun, bestStep: report.bestStep, test: test.length, context, parameters: student.parameterCount(), trainCpuSeconds: trainCpu, settings: overrides };
for (const copyStrings of [false, true]) {
  const c = process.cpuUsage();
  const answers = test.map((item) => student.generate(item.sentence, { maxTokens: 96, temperature: 0, schema: ENTITY_SCHEMA, copyStrings }).text);
  const evaluation = evaluateExtract(test.map((item, index) => ({ input: item.sentence, teacher: item.answer, student: answers[index] ?? '' })), ENTITY_SCHEMA);
  out[copyStrings ? 'copy' : 'free'] = { fieldF1: evaluation.fieldF1.estimate, lower: evaluation.fieldF1.lower, upper: evaluation.fieldF1.upper, valid: evaluation.validRate.estimate, exact: evaluation.exactMatch.estimate, P: evaluation.metrics.fields.precision, R: evaluation.metrics.fields.recall, perField: evaluation.metrics.perField.map((f) => `${f.path} ${f.f1.toFixed(3)}`), cpuMsPerAnswer: ((process.cpuUsage(c).user + process.cpuUsage(c).system) / 1e3) / test.length };
  if (process.argv.includes('--worst') && copyStrings) for (let i = 0; i < 6; i++) console.log(test[i]?.sentence, '\n  T', test[i]?.answer, '\n  S', answers[i]);
}
out['wallSeconds'] = (performance.now() - t0) / 1000; out['cpuSeconds'] = (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1e6; out['load'] = [load0[0], os.loadavg()[0]];
console.log(JSON.stringify(out));
