/**
 * The curation step of extract and generate tasks in one call: answer filters, then decontamination,
 * with every removal counted and explained for the report. The entry point `distillery run` wires in.
 */
import { applyFilters, defaultFilters, type AnswerFilter, type FilterResult } from './answer-filters.js';
import { decontaminate, type DecontaminationOptions, type DecontaminationResult } from './decontaminate.js';
import type { GenerativeExample, Split } from './generative-example.js';

/** How to curate. */
export interface GenerativeCurationOptions {
  /** The extract task's JSON Schema: adds the schema filter. */
  schema?: object;
  refusalPatterns?: readonly (RegExp | string)[];
  /** Replaces the default filters (truncated, empty, refusal, schema) entirely. */
  filters?: readonly AnswerFilter[];
  /** Decontamination settings, or false to skip it. */
  decontamination?: DecontaminationOptions | false;
}

/** One removed example, by which stage and why. */
export interface CurationRemoval {
  id: string;
  split: Split;
  stage: 'filter' | 'decontamination';
  /** The filter's name, or 'decontamination'. */
  name: string;
  reason: string;
}

/** What curation did, for the report. */
export interface GenerativeCurationReport {
  /** Removed per filter name, all splits together. */
  filtered: FilterResult['counts'];
  decontamination: DecontaminationResult['counts'] | null;
  /** Examples left per split. */
  kept: Record<Split, number>;
  removed: CurationRemoval[];
}

const countBySplit = (examples: readonly GenerativeExample[]): Record<Split, number> => {
  const counts: Record<Split, number> = { train: 0, val: 0, test: 0 };
  for (const example of examples) counts[example.split]++;
  return counts;
};

/**
 * Filters every split (a truncated or refusing answer is no reference either), then removes training
 * examples that overlap validation or test data. Throws NoAnswersLeftError, naming the filter, when
 * training examples came in and the filters left none.
 */
export function curateGenerative(examples: readonly GenerativeExample[], options: GenerativeCurationOptions = {}): { examples: GenerativeExample[]; report: GenerativeCurationReport } {
  const filters = options.filters ?? defaultFilters({ ...(options.schema === undefined ? {} : { schema: options.schema }), ...(options.refusalPatterns === undefined ? {} : { refusalPatterns: options.refusalPatterns }) });
  const training = applyFilters(
    examples.filter((example) => example.split === 'train'),
    filters,
  );
  const evaluation = applyFilters(
    examples.filter((example) => example.split !== 'train'),
    filters,
    { allowEmpty: true },
  );
  const removed: CurationRemoval[] = [...training.removed, ...evaluation.removed].map((entry) => ({ id: entry.id, split: entry.split, stage: 'filter', name: entry.filter, reason: entry.reason }));
  const filtered: FilterResult['counts'] = {};
  for (const [name, count] of Object.entries(training.counts)) filtered[name] = count + (evaluation.counts[name] ?? 0);
  const keptSet = new Set([...training.kept, ...evaluation.kept]);
  // Keep the caller's order across splits.
  let curated = examples.filter((example) => keptSet.has(example));
  let decontaminationCounts: DecontaminationResult['counts'] | null = null;
  if (options.decontamination !== false) {
    const result = decontaminate(curated, options.decontamination ?? {});
    curated = result.kept;
    decontaminationCounts = result.counts;
    for (const entry of result.removed) removed.push({ id: entry.id, split: 'train', stage: 'decontamination', name: 'decontamination', reason: `shares "${entry.ngram}" (${entry.field}) with ${entry.matchedSplit} example ${entry.matchedId} (${entry.matchedField})` });
  }
  return { examples: curated, report: { filtered, decontamination: decontaminationCounts, kept: countBySplit(curated), removed } };
}
