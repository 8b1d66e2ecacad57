/**
 * The held-out check of the student kinds: on bench data sets NOT used to choose the demo's settings
 * (UCI sentiment sentences, SpamAssassin), train the n-gram student, the bag-MLP and `auto` on the
 * same hash split (80/10/10, gold labels as hard labels) and print validation and test accuracy.
 *
 *   node --import tsx bench/student-kinds-heldout.ts [sentiment-sentences,spam-assassin]
 */
import { createStudent } from '../src/student/registry.js';
import type { TrainingExample } from '../src/student/types.js';
import { unitInterval } from '../src/util/hash.js';
import { sentences, spamAssassin, type BenchDataset } from './datasets.js';
import { benchStudentSettings } from './student-settings.js';

const rank = (id: string): number => unitInterval(`bench-subset:${id}`);
const loaders: Record<string, () => BenchDataset> = { 'sentiment-sentences': () => sentences(), 'spam-assassin': () => spamAssassin(true, rank) };
const KINDS: Record<string, Record<string, unknown>> = {
  ngram: { kind: 'ngram' },
  'bag-mlp (defaults)': { kind: 'bag-mlp' },
  auto: { kind: 'auto' },
};

for (const id of (process.argv[2] ?? 'sentiment-sentences,spam-assassin').split(',')) {
  const dataset = (loaders[id] as () => BenchDataset)();
  const labels = [...new Set(dataset.items.map((item) => item.label))].sort();
  const split = (item: { id: string }): 'train' | 'val' | 'test' => { const u = unitInterval(`split:${item.id}`); return u < 0.8 ? 'train' : u < 0.9 ? 'val' : 'test'; };
  const sets = { train: [] as TrainingExample[], val: [] as TrainingExample[], test: [] as TrainingExample[] };
  for (const item of dataset.items) sets[split(item)].push({ text: item.text, label: labels.indexOf(item.label), soft: null });
  for (const [name, overrides] of Object.entries(KINDS)) {
    const settings = benchStudentSettings(overrides);
    const student = createStudent(settings.kind, labels, settings);
    const fit = student.fit(sets.train, sets.val);
    const accuracy = (examples: readonly TrainingExample[]): number => examples.filter((example) => student.predict(example.text).index === example.label).length / examples.length;
    console.log(JSON.stringify({
      dataset: id, student: name, picked: student.kind, candidates: fit.candidates?.map((c) => `${c.chosen ? '*' : ''}${c.name}:${c.validationAgreement.toFixed(4)}`),
      n: { train: sets.train.length, val: sets.val.length, test: sets.test.length }, seconds: Number(fit.seconds.toFixed(1)),
      train: Number(accuracy(sets.train).toFixed(4)), validation: Number(accuracy(sets.val).toFixed(4)), test: Number(accuracy(sets.test).toFixed(4)),
    }));
  }
}
