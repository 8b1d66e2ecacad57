/**
 * The curate stage of extract and generate tasks: the teacher's stored completions become
 * generative examples, are filtered (truncated, empty, refusal, schema) and decontaminated, and the
 * survivors are written as fine-tuning exports with a GPU recipe beside them, every removal counted.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultFilters, type AnswerFilter } from '../data/answer-filters.js';
import { curateGenerative } from '../data/curate-generative.js';
import { exportFineTuning, fineTuningFileName, type FineTuningFormat } from '../data/fine-tuning-formats.js';
import type { GenerativeExample } from '../data/generative-example.js';
import { writeGpuRecipes } from '../data/gpu-recipe.js';
import { readSafely } from '../task/kinds/read-safely.js';
import type { LoadedTask } from '../task/load.js';
import { answerReader } from '../task/task-kind.js';
import { buildMessages } from '../task/template.js';
import type { CuratedRecord } from './curate-stage.js';
import type { EventSink } from './events.js';
import type { ProjectPaths } from './project.js';

/** What the curation of an extract or generate task did, for the run's result, its JSON and report.md. */
export interface GenerativeCurationSummary {
  /** Non-duplicate inputs with no stored completion yet (not collected, or stored before completions were kept). */
  unanswered: number;
  /** Removed per filter, decontamination counts, and examples kept per split (plain data: it goes into JSON). */
  report: {
    /** Answers removed per filter name, all splits together, in the filters' order. */
    filtered: Record<string, number>;
    /** Training examples removed for overlapping validation (`bySplit.val`) or test data; null when skipped. */
    decontamination: { training: number; removed: number; bySplit: { val: number; test: number }; byField: { input: number; answer: number }; boilerplateNgrams: number } | null;
    kept: { train: number; val: number; test: number };
  };
  /** The export files written, relative to the project folder, with their line counts. */
  exports: Array<{ file: string; examples: number }>;
  /** The GPU recipe scripts, relative to the project folder; empty when hf-messages is not exported. */
  recipes: string[];
}

/**
 * The last filter: whatever the kind's reader still calls junk. The filters before it catch the same
 * answers in practice; this one makes sure an unreadable answer never reaches an export regardless.
 */
function unreadableFilter(junkReasons: ReadonlyMap<string, string>): AnswerFilter {
  return { name: 'unreadable', reject: (example) => junkReasons.get(example.id) ?? null };
}

/** The generative example of each curated record with a stored completion, and the reader's verdicts. */
function examplesOf(task: LoadedTask, records: readonly CuratedRecord[]): { examples: GenerativeExample[]; junkReasons: Map<string, string>; unanswered: number } {
  const reader = answerReader(task.spec);
  const examples: GenerativeExample[] = [];
  const junkReasons = new Map<string, string>();
  let unanswered = 0;
  for (const { input, split, response } of records) {
    const completion = response?.completion;
    if (completion === undefined || completion === null) {
      unanswered++;
      continue;
    }
    const reading = readSafely(reader, completion);
    if (reading.kind === 'junk') junkReasons.set(input.id, reading.junkReason ?? 'the answer could not be read');
    examples.push({ id: input.id, split, messages: buildMessages(task.spec, input.text, input.fields), answer: completion.text, finishReason: completion.finishReason, input: input.text });
  }
  return { examples, junkReasons, unanswered };
}

/**
 * Curates an extract or generate task's answers and writes its exports and GPU recipe into the
 * project's exports/ folder. Throws NoAnswersLeftError (exit 2), naming the filter, when the filters
 * leave no training example.
 */
export async function curateGenerativeTask(task: LoadedTask, records: readonly CuratedRecord[], paths: ProjectPaths, emit: EventSink): Promise<{ summary: GenerativeCurationSummary; examples: GenerativeExample[] }> {
  const settings = task.spec.curate;
  const { examples, junkReasons, unanswered } = examplesOf(task, records);
  const filters = [
    ...defaultFilters({ ...(task.spec.schema === undefined ? {} : { schema: task.spec.schema }), ...(settings.refusalPatterns === undefined ? {} : { refusalPatterns: settings.refusalPatterns }) }),
    unreadableFilter(junkReasons),
  ];
  const curated = curateGenerative(examples, { filters, decontamination: { n: settings.decontaminationN } });
  const hasRanked = curated.examples.some((example) => example.ranked !== undefined);
  const formats: FineTuningFormat[] = settings.exports.filter((format) => format !== 'dpo' || hasRanked);
  if (formats.length < settings.exports.length) emit({ type: 'warning', stage: 'curate', message: 'dpo export skipped: no example has two ranked answers' });
  const written = formats.length === 0 ? { files: [], warnings: [] } : await exportFineTuning(curated.examples, { directory: paths.exportsDir, formats });
  for (const message of written.warnings) emit({ type: 'warning', stage: 'curate', message });
  let recipes: string[] = [];
  if (formats.includes('hf-messages')) {
    const validationFile = curated.report.kept.val > 0 ? { validationFile: fineTuningFileName('hf-messages', 'val') } : {};
    const files = await writeGpuRecipes(paths.exportsDir, { trainFile: fineTuningFileName('hf-messages', 'train'), ...validationFile });
    recipes = [files.trl, files.unsloth, files.readme].map((file) => path.relative(paths.root, file));
  }
  const { removed: _removed, ...report } = curated.report;
  const summary = { unanswered, report, exports: written.files.map((entry) => ({ file: path.relative(paths.root, entry.file), examples: entry.examples })), recipes };
  return { summary, examples: curated.examples };
}

/** One line for the stage-done summary: what each filter and decontamination removed. */
export function curationSummaryLine(summary: GenerativeCurationSummary): string {
  const filtered = Object.entries(summary.report.filtered).map(([name, count]) => `${name} ${count}`).join(', ');
  const decontaminated = summary.report.decontamination?.removed ?? 0;
  const { train, val, test } = summary.report.kept;
  return `filtered ${filtered}; decontamination removed ${decontaminated}; kept train ${train}, val ${val}, test ${test}${summary.unanswered > 0 ? `; ${summary.unanswered} not yet answered` : ''}`;
}

/** Writes report.md with the curation section (the evaluate stage, when it runs, writes the full report over it). */
export async function writeCurationReport(task: LoadedTask, summary: GenerativeCurationSummary, paths: ProjectPaths): Promise<void> {
  const rows = Object.entries(summary.report.filtered).map(([name, count]) => `| ${name} | ${count} |`);
  const decontamination = summary.report.decontamination;
  if (decontamination !== null) rows.push(`| decontamination (${task.spec.curate.decontaminationN}-grams; val ${decontamination.bySplit.val}, test ${decontamination.bySplit.test}) | ${decontamination.removed} |`);
  const { train, val, test } = summary.report.kept;
  const lines = [
    `# ${task.spec.name}: curation`,
    '',
    `Kind ${task.spec.kind}. Kept train ${train}, val ${val}, test ${test}${summary.unanswered > 0 ? `; ${summary.unanswered} inputs not yet answered` : ''}.`,
    '',
    '| removed by | answers |',
    '| --- | --- |',
    ...rows,
    '',
    `Exports: ${summary.exports.map((entry) => `\`${entry.file}\` (${entry.examples})`).join(', ') || 'none'}.`,
    summary.recipes.length > 0 ? `GPU recipe: ${summary.recipes.map((file) => `\`${file}\``).join(', ')}.` : 'No GPU recipe (it trains on the hf-messages export).',
    '',
  ];
  await writeFile(paths.reportMarkdown, lines.join('\n'));
}
