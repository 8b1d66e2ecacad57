/**
 * How `student.pretrain`'s internal settings (the RMS factor in src/student/pretrain/initialise.ts)
 * were chosen: train on the bench split's training part minus a held-out validation tenth, print
 * validation accuracy (what the choice reads) and test accuracy (reported, never used to choose).
 * Used on sentiment-sentences only; the other sets stay unused for choosing.
 *
 *   npx tsx bench/pretrain-choice.ts 'ngram:none,ngram:inputs,bag-mlp:inputs'
 */
import { createStudent } from '../src/student/index.js';
import { taskSpecSchema } from '../src/task/schema.js';
import { unitInterval } from '../src/util/hash.js';
import { sentences, type BenchItem } from './datasets.js';

const dataset = sentences();
const labels = [...new Set(dataset.items.map((item) => item.label))].sort();
const inTest = (item: BenchItem) => unitInterval(`bench-split:${dataset.id}:${item.id}`) >= 0.8;
const inValidation = (item: BenchItem) => unitInterval(`bench-val:${dataset.id}:${item.id}`) < 0.1;
const train = dataset.items.filter((item) => !inTest(item) && !inValidation(item));
const validation = dataset.items.filter((item) => !inTest(item) && inValidation(item));
const test = dataset.items.filter(inTest);
const example = (item: BenchItem) => ({ text: item.text, label: labels.indexOf(item.label), soft: null });
const base = { name: 'x', teacher: { baseURL: 'http://127.0.0.1/v1', model: 'none' }, prompt: { messages: [{ role: 'user', content: '{{text}}' }] }, labels: ['a', 'b'], inputs: { path: 'none' }, budget: { maxUSD: 1 } };
const accuracy = (student: ReturnType<typeof createStudent>, items: BenchItem[]) => items.filter((item) => student.predict(item.text).label === item.label).length / items.length;

for (const variant of (process.argv[2] ?? 'ngram:none,ngram:inputs').split(',')) {
  const [kind = 'ngram', pretrain = 'none'] = variant.split(':');
  const figures = [1, 2].map((seed) => {
    const settings = taskSpecSchema.parse({ ...base, student: { kind, dim: 16, wordNgrams: 2, buckets: 1 << 17, epochs: 25, learningRate: 0.5, seed, pretrain, ...(kind === 'bag-mlp' ? { bagMlp: { hiddenSizes: [64] } } : {}) } }).student;
    const student = createStudent(kind, labels, settings);
    const fit = student.fit(train.map(example), validation.map(example), pretrain === 'inputs' ? { unlabelledTexts: test.map((item) => item.text) } : {});
    return { validation: accuracy(student, validation), test: accuracy(student, test), seconds: fit.seconds };
  });
  const show = (pick: (figure: (typeof figures)[number]) => number) => figures.map((figure) => (pick(figure) * 100).toFixed(1)).join('/');
  console.log(`${variant}: validation ${show((figure) => figure.validation)} %, test ${show((figure) => figure.test)} %, ${(figures.reduce((sum, figure) => sum + figure.seconds, 0) / figures.length).toFixed(1)} s`);
}
