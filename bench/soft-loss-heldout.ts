/**
 * The held-out check of logit matching (`student.softLoss: logits`) on code NOT used to choose the
 * demo's settings: snippets from source files outside the demo corpus (same install, same builder,
 * files the demo's 6,000-snippet corpus did not take), labelled in-process by the demo's teacher
 * (top-20 logprobs → label distribution, as over the wire), split 80/10/10 by hash. Trains each
 * settings object (merged over the demo's student settings) and prints agreement with the teacher on
 * train, validation and test, test split into the teacher's decisive answers and near-ties.
 *
 *   node --import tsx bench/soft-loss-heldout.ts [snippets] ['[{}, {"softLoss":"logits"}]']
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCodeCorpus } from '../src/demo/corpus.js';
import { createLanguageDetector } from '../src/demo/language-detector.js';
import { LANGUAGE_LABELS } from '../src/demo/language-labels.js';
import { languageAnswer } from '../src/demo/language-teacher-server.js';
import { agreementByTeacherMargin } from '../src/eval/metrics.js';
import { logprobsContent } from '../src/serve/chat-response.js';
import { createStudent } from '../src/student/registry.js';
import type { TrainingExample } from '../src/student/types.js';
import { labelDistribution } from '../src/task/kinds/label-distribution.js';
import { sha256Hex, unitInterval } from '../src/util/hash.js';
import { DEMO_STUDENT_SETTINGS } from '../src/demo/run-demo.js';
import { benchStudentSettings } from './student-settings.js';

const DEMO_LIMIT = 6000;
const [snippetArgument = '3000', grid = '[{}, {"softLoss":"logits"}]'] = process.argv.slice(2);
const wanted = Number(snippetArgument);

/** Snippets from files the demo corpus does not use, each labelled by the teacher (cached on disk by content). */
async function heldOutLabelled(): Promise<Array<{ id: string; example: TrainingExample }>> {
  const demo = await buildCodeCorpus({ limit: DEMO_LIMIT, perLabelCap: Math.ceil(DEMO_LIMIT / 4) });
  const demoPaths = new Set(demo.map((item) => item.path));
  const demoIds = new Set(demo.map((item) => item.id));
  const wider = await buildCodeCorpus({ limit: DEMO_LIMIT + 4 * wanted, perLabelCap: Math.ceil((DEMO_LIMIT + 4 * wanted) / 4) });
  const fresh = wider.filter((item) => !demoPaths.has(item.path) && !demoIds.has(item.id)).slice(0, wanted);
  const file = path.join('.bench-cache', `soft-loss-heldout-${sha256Hex(fresh.map((item) => item.id).join(',')).slice(0, 16)}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Array<{ id: string; example: TrainingExample }>;
  console.error(`labelling ${fresh.length} held-out snippets (not in the demo corpus) with the demo teacher`);
  const detector = createLanguageDetector();
  const labels = LANGUAGE_LABELS as readonly string[];
  const out: Array<{ id: string; example: TrainingExample }> = [];
  try {
    for (const item of fresh) {
      const answer = languageAnswer(await detector.detect(item.text));
      const distribution = labelDistribution(logprobsContent(answer, 20), labels);
      const label = labels.indexOf(answer.label);
      if (distribution !== null && label >= 0) out.push({ id: item.id, example: { text: item.text, label, soft: distribution.distribution } });
    }
  } finally {
    detector.dispose();
  }
  mkdirSync('.bench-cache', { recursive: true });
  writeFileSync(file, JSON.stringify(out));
  return out;
}

const labelled = await heldOutLabelled();
const sets = { train: [] as TrainingExample[], val: [] as TrainingExample[], test: [] as TrainingExample[] };
for (const { id, example } of labelled) {
  const u = unitInterval(`soft-loss-heldout:${id}`);
  sets[u < 0.8 ? 'train' : u < 0.9 ? 'val' : 'test'].push(example);
}
for (const overrides of JSON.parse(grid) as Array<Record<string, unknown>>) {
  const demoBagMlp = DEMO_STUDENT_SETTINGS.bagMlp as Record<string, unknown>;
  const settings = benchStudentSettings({ ...DEMO_STUDENT_SETTINGS, ...overrides, bagMlp: { ...demoBagMlp, ...((overrides['bagMlp'] ?? {}) as Record<string, unknown>) } });
  const student = createStudent(settings.kind, LANGUAGE_LABELS, settings);
  const fit = student.fit(sets.train, sets.val);
  const agreement = (examples: readonly TrainingExample[]): number => examples.filter((example) => student.predict(example.text).index === example.label).length / examples.length;
  const byMargin = agreementByTeacherMargin(sets.test.map((example) => example.label), sets.test.map((example) => student.predict(example.text).index), sets.test.map((example) => example.soft));
  console.log(JSON.stringify({
    settings: overrides, n: { train: sets.train.length, val: sets.val.length, test: sets.test.length }, epochs: fit.epochs.length, seconds: Number(fit.seconds.toFixed(1)),
    train: Number(agreement(sets.train).toFixed(4)), validation: Number(agreement(sets.val).toFixed(4)), test: Number(agreement(sets.test).toFixed(4)),
    testDecisive: `${byMargin.decisive.agreement.toFixed(4)} (n=${byMargin.decisive.examples})`, testNearTie: `${byMargin.nearTie.agreement.toFixed(4)} (n=${byMargin.nearTie.examples})`,
  }));
}
