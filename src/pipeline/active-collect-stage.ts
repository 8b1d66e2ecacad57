/**
 * The collect stage under `collect.selection: active`: the held-out sample is drawn from the inputs
 * curation will put in the test split, so the evaluate stage scores the student on a random sample
 * that selection never touched; the rounds choose only among the train and validation inputs.
 */
import { collectActively, type ActiveCollectSummary, type LabelledInput } from '../collect/active-collect.js';
import type { CollectSummary } from '../collect/collector.js';
import { findDuplicates } from '../data/dedup.js';
import { splitOf } from '../data/split.js';
import { wilsonInterval } from '../eval/metrics.js';
import { createStudent } from '../student/registry.js';
import type { TrainingExample } from '../student/types.js';
import { answerReader } from '../task/task-kind.js';
import { buildMessages } from '../task/template.js';
import type { LoadedTask } from '../task/load.js';
import type { InputRecord, Store } from '../store/types.js';
import { costUSD } from '../teacher/prices.js';
import { estimateInputTokens, requestKey } from '../teacher/tokens.js';
import type { EventSink } from './events.js';
import { RunStoppedError } from './errors.js';
import type { ResolvedTeacher } from './make-teacher.js';

/** A labelled input as the student trains on it. */
function toExample(example: LabelledInput): TrainingExample {
  return { text: example.input.text, label: example.label, soft: example.soft };
}

/** One line on where active selection stands: held-out agreement with its 95% interval, answers, rounds. */
export function describeActive(summary: ActiveCollectSummary): string {
  const last = summary.rounds.at(-1);
  if (last === undefined) return summary.message;
  const interval = wilsonInterval(last.heldOutAgreed, last.heldOutAnswered);
  return `${summary.message} 95% interval ${(100 * interval.lower).toFixed(1)}–${(100 * interval.upper).toFixed(1)}%; ${summary.rounds.length} round(s), ${summary.batches.length} batch(es) chosen by the student.`;
}

/** Asks the teacher about a random held-out and seed sample, then about what the student is least sure of (task.collect.active). */
export async function collectActiveAnswers(
  task: LoadedTask,
  store: Store,
  inputs: readonly InputRecord[],
  resolved: ResolvedTeacher,
  emit: EventSink,
  signal?: AbortSignal,
  retryFailed = false,
): Promise<CollectSummary> {
  const { spec } = task;
  emit({ type: 'stage-start', stage: 'collect', detail: `${spec.teacher.model} at ${spec.teacher.baseURL}, active selection (batches of ${spec.collect.active.batchSize}${spec.collect.active.batchGrowth > 0 ? ` or ${spec.collect.active.batchGrowth}× the answers trained on if more` : ''}, target ${(100 * spec.collect.active.targetAgreement).toFixed(1)}%)` });
  const duplicates = findDuplicates(inputs, { mode: spec.curate.dedup, threshold: spec.curate.nearThreshold });
  const summary = await collectActively({
    store,
    teacher: resolved.teacher,
    inputs,
    labels: spec.labels,
    teacherURL: spec.teacher.baseURL,
    buildMessages: (input) => buildMessages(spec, input.text, input.fields),
    readAnswer: answerReader(spec),
    requestKey: (messages) => requestKey(resolved.teacher, messages),
    estimateInputTokens,
    costUSD: (usage) => costUSD(usage, resolved.prices),
    maxOutputTokens: resolved.maxOutputTokens,
    budgetUSD: spec.budget.maxUSD,
    concurrency: spec.limits.concurrency,
    ...(spec.limits.rpm === undefined ? {} : { rpm: spec.limits.rpm }),
    ...(spec.limits.tpm === undefined ? {} : { tpm: spec.limits.tpm }),
    maxRetries: spec.teacher.maxRetries,
    retryFailed,
    settings: spec.collect.active,
    heldOutCandidate: (input) => splitOf(duplicates.get(input.id) ?? input.id, spec.split) === 'test',
    fitScorer: (train, validation) => {
      const student = createStudent(spec.student.kind, spec.labels, spec.student);
      student.fit(train.map(toExample), validation.map(toExample));
      return (text) => student.predict(text).probabilities;
    },
    onEvent: (event) => {
      if (event.type === 'collect') emit({ type: 'collect', event: event.event });
    },
    ...(signal === undefined ? {} : { signal }),
  });
  const collection: CollectSummary = { ...summary.collection, message: `${describeActive(summary)} ${summary.collection.message}` };
  const data = { ...collection, active: { stopReason: summary.stopReason, rounds: summary.rounds, heldOut: summary.heldOutIds.length, seed: summary.seedIds.length } };
  if (collection.stopReason === 'done' || collection.stopReason === 'budget') {
    emit({ type: 'stage-done', stage: 'collect', summary: collection.message, data });
    return collection;
  }
  emit({ type: 'stage-stop', stage: 'collect', reason: collection.stopReason, data });
  throw new RunStoppedError(collection.message, collection.stopReason);
}
