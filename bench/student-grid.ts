/**
 * Trains student settings on a project's exported answers (exports/labelled.jsonl) and prints, per
 * setting, agreement on train, validation (what settings are chosen by) and test (reported, never
 * used to choose), with test agreement split into the teacher's decisive answers and near-ties.
 *
 *   node --import tsx bench/student-grid.ts .distillery/demo '[{"kind":"ngram"},{"kind":"bag-mlp"}]' [trainLimit]
 *
 * With `trainLimit`, only the first that many training answers are used (a point of the learning curve).
 * Each object is merged over the project's task.yaml student settings.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { agreementByTeacherMargin } from '../src/eval/metrics.js';
import { taskSpecSchema, type StudentSettings } from '../src/task/schema.js';
import { createStudent } from '../src/student/registry.js';
import type { Student, TrainingExample } from '../src/student/types.js';

interface Row { text: string; label: string | null; distribution: number[] | null; split: 'train' | 'val' | 'test' }

const [projectDir = '.distillery/demo', grid = '[{}]', trainLimit] = process.argv.slice(2);
const spec = taskSpecSchema.parse(parse(readFileSync(path.join(projectDir, 'task.yaml'), 'utf8')));
const labelIndex = new Map(spec.labels.map((label, index) => [label, index]));
const rows = readFileSync(path.join(projectDir, 'exports', 'labelled.jsonl'), 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Row);
const examples = (split: Row['split']): TrainingExample[] => rows
  .filter((row) => row.split === split && row.label !== null && labelIndex.has(row.label))
  .map((row) => ({ text: row.text, label: labelIndex.get(row.label as string) as number, soft: row.distribution }));
const [allTrain, validation, test] = [examples('train'), examples('val'), examples('test')];
const train = trainLimit === undefined ? allTrain : allTrain.slice(0, Number(trainLimit));

const agreementOn = (student: Student, set: readonly TrainingExample[]): number => set.filter((example) => student.predict(example.text).index === example.label).length / set.length;

for (const overrides of JSON.parse(grid) as Array<Partial<StudentSettings>>) {
  const settings = { ...spec.student, ...overrides } as StudentSettings;
  const student = createStudent(settings.kind, spec.labels, settings);
  const fit = student.fit(train, validation);
  const predicted = test.map((example) => student.predict(example.text).index);
  const byMargin = agreementByTeacherMargin(test.map((example) => example.label), predicted, test.map((example) => example.soft));
  console.log(JSON.stringify({
    settings: overrides, trainExamples: train.length, picked: student.kind, candidates: fit.candidates?.map((c) => `${c.chosen ? '*' : ''}${c.name}:${c.validationAgreement.toFixed(4)}`),
    epochs: fit.epochs.length, bestEpoch: fit.bestEpoch, seconds: Number(fit.seconds.toFixed(1)),
    train: Number(agreementOn(student, train).toFixed(4)), validation: Number(agreementOn(student, validation).toFixed(4)), test: Number(agreementOn(student, test).toFixed(4)),
    testDecisive: `${byMargin.decisive.agreement.toFixed(4)} (n=${byMargin.decisive.examples})`, testNearTie: `${byMargin.nearTie.agreement.toFixed(4)} (n=${byMargin.nearTie.examples})`,
  }));
}
