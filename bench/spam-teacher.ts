/**
 * A second teacher for the selection benchmark, on data the settings were not chosen on: the
 * SpamAssassin mail bodies (bench/datasets.ts) labelled by a larger n-gram model fitted to their gold
 * labels (2^18 buckets, 64 dimensions, word bigrams): a teacher with soft answers that a smaller
 * student has to learn from its calls. Bodies are cut to 2,000 characters to keep the bench short.
 */
import { createStudent } from '../src/student/index.js';
import { fnv1a32 } from '../src/util/hash.js';
import type { SelectionTask, TeacherItem } from './active-selection.js';
import { spamAssassin } from './datasets.js';
import { benchStudentSettings } from './student-settings.js';

const LABELS = ['spam', 'ham'] as const;

/** The SpamAssassin bodies with the fitted teacher's answers (quick: a 2,000-mail subset). */
export function spamTask(quick: boolean): SelectionTask {
  const mails = spamAssassin(quick, (id) => fnv1a32(id)).items.map((item) => ({ ...item, text: item.text.slice(0, 2000) }));
  const teacher = createStudent('ngram', LABELS, benchStudentSettings({ buckets: 1 << 18, dim: 64, wordNgrams: 2, epochs: 10, seed: 7 }));
  const examples = mails.map((mail) => ({ text: mail.text, label: LABELS.indexOf(mail.label as (typeof LABELS)[number]), soft: null }));
  teacher.fit(examples, examples.filter((_, index) => index % 10 === 0));
  const items: TeacherItem[] = mails.map((mail) => {
    const prediction = teacher.predict(mail.text);
    return { id: mail.id, text: mail.text, teacher: prediction.index, soft: Array.from(prediction.probabilities) };
  });
  return { name: 'spam-assassin', labels: LABELS, system: `Is this mail spam? Answer with one of: ${LABELS.join(', ')}`, items };
}
