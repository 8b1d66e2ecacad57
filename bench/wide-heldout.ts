/**
 * The held-out check of the bag-MLP's wide part (`bagMlp.wide`), on teachers and data NOT used to
 * choose the demo's settings: the UCI sentiment sentences labelled by npm sentiment's AFINN lexicon
 * (a sum of word scores) and SpamAssassin bodies labelled by a larger fitted n-gram model. The same
 * student with and without the wide part, on the teacher's soft labels, on one hash split (80/10/10);
 * prints agreement with the teacher on train, validation and test.
 *
 *   node --import tsx bench/wide-heldout.ts [sentiment,spam] ['{"kind":"bag-mlp"}']
 */
import { createStudent } from '../src/student/registry.js';
import type { TrainingExample } from '../src/student/types.js';
import { unitInterval } from '../src/util/hash.js';
import type { SelectionTask } from './active-selection.js';
import { sentimentTask } from './sentiment-teacher.js';
import { spamTask } from './spam-teacher.js';
import { benchStudentSettings } from './student-settings.js';

const makers: Record<string, () => SelectionTask> = { sentiment: sentimentTask, spam: () => spamTask(true) };
const base = JSON.parse(process.argv[3] ?? '{"kind":"bag-mlp"}') as Record<string, unknown>;
const baseBagMlp = (base['bagMlp'] ?? {}) as Record<string, unknown>;

for (const name of (process.argv[2] ?? 'sentiment,spam').split(',')) {
  const task = (makers[name] as () => SelectionTask)();
  const split = (id: string): 'train' | 'val' | 'test' => { const u = unitInterval(`wide-split:${id}`); return u < 0.8 ? 'train' : u < 0.9 ? 'val' : 'test'; };
  const sets = { train: [] as TrainingExample[], val: [] as TrainingExample[], test: [] as TrainingExample[] };
  for (const item of task.items) sets[split(item.id)].push({ text: item.text, label: item.teacher, soft: item.soft });
  for (const wide of [false, true]) {
    const settings = benchStudentSettings({ ...base, bagMlp: { ...baseBagMlp, wide } });
    const student = createStudent(settings.kind, task.labels, settings);
    const fit = student.fit(sets.train, sets.val);
    const agreement = (examples: readonly TrainingExample[]): number => examples.filter((example) => student.predict(example.text).index === example.label).length / examples.length;
    console.log(JSON.stringify({
      task: task.name, wide, n: { train: sets.train.length, val: sets.val.length, test: sets.test.length }, seconds: Number(fit.seconds.toFixed(1)),
      train: Number(agreement(sets.train).toFixed(4)), validation: Number(agreement(sets.val).toFixed(4)), test: Number(agreement(sets.test).toFixed(4)),
    }));
  }
}
