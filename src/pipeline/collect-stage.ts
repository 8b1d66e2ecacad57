import { collectBatch } from '../collect/batch-collector.js';
import { collect, type CollectEvent, type CollectSummary } from '../collect/collector.js';
import { answerReader } from '../task/task-kind.js';
import { buildMessages } from '../task/template.js';
import type { LoadedTask } from '../task/load.js';
import type { InputRecord, Store } from '../store/types.js';
import type { ChatMessage } from '../teacher/types.js';
import { costUSD } from '../teacher/prices.js';
import { estimateInputTokens, requestKey } from '../teacher/tokens.js';
import type { EventSink } from './events.js';
import { RunStoppedError } from './errors.js';
import type { ResolvedTeacher } from './make-teacher.js';

/** Asks the teacher about every input it has not answered yet; stops cleanly at the budget. */
export async function collectAnswers(
  task: LoadedTask,
  store: Store,
  inputs: readonly InputRecord[],
  resolved: ResolvedTeacher,
  emit: EventSink,
  signal?: AbortSignal,
  retryFailed = false,
): Promise<CollectSummary> {
  const { spec } = task;
  emit({ type: 'stage-start', stage: 'collect', detail: `${spec.teacher.model} at ${spec.teacher.baseURL}${spec.collect.mode === 'batch' ? ' (Batch API)' : ''}` });
  const common = {
    store,
    teacher: resolved.teacher,
    inputs,
    labels: spec.labels,
    teacherURL: spec.teacher.baseURL,
    buildMessages: (input: InputRecord) => buildMessages(spec, input.text, input.fields),
    readAnswer: answerReader(spec),
    requestKey: (messages: ChatMessage[]) => requestKey(resolved.teacher, messages),
    estimateInputTokens,
    costUSD: (usage: { inputTokens: number; outputTokens: number }) => costUSD(usage, resolved.prices),
    maxOutputTokens: resolved.maxOutputTokens,
    budgetUSD: spec.budget.maxUSD,
    retryFailed,
    onEvent: (event: CollectEvent) => emit({ type: 'collect', event }),
    ...(signal === undefined ? {} : { signal }),
  };
  const summary = spec.collect.mode === 'batch' ? await collectBatch({
    ...common, priceFactor: spec.collect.priceFactor, onBatch: (event) => emit({ type: 'batch', event }),
    batch: { baseURL: spec.teacher.baseURL, apiKey: resolved.apiKey ?? 'not-needed', pollIntervalMs: spec.collect.pollIntervalMs, maxPollIntervalMs: spec.collect.maxPollIntervalMs, maxRetries: spec.teacher.maxRetries, timeoutMs: spec.teacher.timeoutMs },
  }) : await collect({
    ...common,
    concurrency: spec.limits.concurrency,
    ...(spec.limits.rpm === undefined ? {} : { rpm: spec.limits.rpm }),
    ...(spec.limits.tpm === undefined ? {} : { tpm: spec.limits.tpm }),
    maxRetries: spec.teacher.maxRetries,
  });
  // A budget stop keeps what was bought: the later stages train on it and the run exits non-zero.
  if (summary.stopReason === 'done' || summary.stopReason === 'budget') {
    emit({ type: 'stage-done', stage: 'collect', summary: summary.message, data: { ...summary } });
    return summary;
  }
  // Not done: no ✔, and the message is said once, by the error the caller reports.
  emit({ type: 'stage-stop', stage: 'collect', reason: summary.stopReason, data: { ...summary } });
  throw new RunStoppedError(summary.message, summary.stopReason);
}
