/**
 * CPU seconds per training step of the extract demo's student (EXTRACT_DEMO_STUDENT) on the demo's
 * own curated answers, and per decoded test answer: the figures that size the demo's steps to its
 * 10-minute budget on 2 cores. CPU time (process.cpuUsage), not wall time, so that a loaded shared
 * machine still gives the single-thread cost an idle one would show in wall time.
 *
 *   npx tsx bench/extract-demo-step-cost.ts <project folder of a `demo extract` run> [steps=20]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXTRACT_DEMO_STUDENT } from '../src/demo/extract-task.js';
import { ENTITY_SCHEMA } from '../src/demo/entity-extractor.js';
import { trainLanguageModelStudent } from '../src/student/lm/lm-student.js';
import { trainTokenizer } from '../src/student/lm/tokenizer.js';
import { languageModelSettingsSchema, languageModelShape } from '../src/task/student-kind-settings.js';

const folder = process.argv[2] ?? '.distillery/demo-extract';
const steps = Number(process.argv[3] ?? 20);
const rows = (file: string) => readFileSync(path.join(folder, 'exports', file), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { input: string; output: string });
const train = rows('alpaca-train.jsonl').map((row) => ({ prompt: row.input, answer: row.output }));
const validation = rows('alpaca-val.jsonl').map((row) => ({ prompt: row.input, answer: row.output }));
const settings = languageModelSettingsSchema.parse(EXTRACT_DEMO_STUDENT.lm);
const cpuSeconds = (start: NodeJS.CpuUsage) => { const used = process.cpuUsage(start); return (used.user + used.system) / 1e6; };

let start = process.cpuUsage();
const tokenizer = trainTokenizer(train.flatMap((example) => [example.prompt, example.answer]), settings.vocabularySize);
const tokenizerSeconds = cpuSeconds(start);
const longest = Math.max(...[...train, ...validation].map((example) => tokenizer.encode(example.prompt).length + tokenizer.encode(example.answer).length + 3));
const context = Math.ceil((longest * 1.25 + 8) / 16) * 16;
start = process.cpuUsage();
const { student, report } = trainLanguageModelStudent(train, validation, {
  tokenizer, config: { ...languageModelShape(settings), context },
  training: { steps, batchSize: settings.batchSize, learningRate: settings.learningRate, evaluateEvery: steps, patience: settings.patience },
});
const trainSeconds = cpuSeconds(start);
start = process.cpuUsage();
const decoded = validation.slice(0, 50);
for (const example of decoded) student.generate(example.prompt, { maxTokens: 64, temperature: 0, schema: ENTITY_SCHEMA });
const decodeSeconds = cpuSeconds(start);
console.log(JSON.stringify({
  trainExamples: train.length, validationExamples: validation.length, parameters: student.parameterCount(), context, steps: report.stepsRun,
  tokenizerCpuSeconds: tokenizerSeconds, cpuSecondsPerStep: trainSeconds / report.stepsRun, tokensPerSecondOfCpu: report.tokensPerSecond,
  cpuMsPerDecodedAnswer: (decodeSeconds / decoded.length) * 1000, loadAverage: (await import('node:os')).loadavg()[0],
}));
