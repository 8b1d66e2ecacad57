import path from 'node:path';
import { findDuplicates } from '../data/dedup.js';
import { exportLabelled } from '../data/export.js';
import { assignSplits } from '../data/split.js';
import { buildMessages } from '../task/template.js';
import { kindOf } from '../task/task-kind.js';
import { curateGenerativeTask, curationSummaryLine, writeCurationReport, type GenerativeCurationSummary } from './curate-generative-stage.js';
import type { GenerativeExample } from '../data/generative-example.js';
import type { LoadedTask } from '../task/load.js';
import type { InputRecord, ResponseRecord, SplitAssignment, Store } from '../store/types.js';
import type { EventSink } from './events.js';
import type { ProjectPaths } from './project.js';

/** An input with its split and the teacher's answer (when there is one). */
export interface CuratedRecord {
  input: InputRecord;
  split: SplitAssignment['split'];
  response: ResponseRecord | undefined;
}

/** Drops duplicates, splits deterministically, and exports the labelled data (extract and generate: the curated fine-tuning data). */
export async function curate(
  task: LoadedTask,
  store: Store,
  inputs: readonly InputRecord[],
  answers: ReadonlyMap<string, ResponseRecord>,
  paths: ProjectPaths,
  emit: EventSink,
): Promise<{ records: CuratedRecord[]; curation: GenerativeCurationSummary | null; generative: GenerativeExample[] | null }> {
  const { spec } = task;
  emit({ type: 'stage-start', stage: 'curate', detail: `dedup ${spec.curate.dedup}` });
  const duplicates = findDuplicates(inputs, { mode: spec.curate.dedup, threshold: spec.curate.nearThreshold });
  const assignments = assignSplits(inputs, duplicates, spec.split);
  await store.saveSplits(assignments);
  const byId = new Map(inputs.map((input) => [input.id, input]));
  const kept: CuratedRecord[] = [];
  for (const assignment of assignments) {
    const input = byId.get(assignment.inputId);
    if (input === undefined || assignment.duplicateOf !== null) continue;
    kept.push({ input, split: assignment.split, response: answers.get(input.id) });
  }
  const counts = { train: 0, val: 0, test: 0 };
  for (const record of kept) counts[record.split]++;
  // Extract and generate answers are filtered, decontaminated and exported as chat fine-tuning data instead.
  const generative = kindOf(spec).name === 'classify' ? null : await curateGenerativeTask(task, kept, paths, emit);
  const curation = generative?.summary ?? null;
  if (curation === null) await exportData(task, kept, paths, emit);
  else await writeCurationReport(task, curation, paths);
  emit({
    type: 'stage-done',
    stage: 'curate',
    summary: `${duplicates.size} duplicates dropped; train ${counts.train}, val ${counts.val}, test ${counts.test}; ${curation === null ? '' : `${curationSummaryLine(curation)}; `}exports in ${path.relative(process.cwd(), paths.exportsDir) || '.'}`,
    data: { duplicates: duplicates.size, ...counts, ...(curation === null ? {} : { curation }) },
  });
  return { records: kept, curation, generative: generative?.examples ?? null };
}

async function exportData(task: LoadedTask, kept: readonly CuratedRecord[], paths: ProjectPaths, emit: EventSink): Promise<void> {
  const rows = kept
    .filter((record) => record.response?.kind === 'label')
    .map((record) => ({
      id: record.input.id,
      text: record.input.text,
      label: record.response?.label ?? null,
      distribution: record.response?.distribution ?? null,
      gold: record.input.gold,
      split: record.split,
    }));
  const fieldsById = new Map(kept.map((record) => [record.input.id, record.input.fields]));
  const result = await exportLabelled(rows, { directory: paths.exportsDir, buildMessages: (row) => buildMessages(task.spec, row.text, fieldsById.get(row.id)) });
  for (const message of result.warnings) emit({ type: 'warning', stage: 'curate', message });
}
