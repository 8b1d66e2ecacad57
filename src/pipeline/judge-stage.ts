/**
 * The optional judge of extract and generate runs (`evaluate.judge:` in the task file): win / tie /
 * loss of the student against the teacher, each pair judged in both orders, by an OpenAI-compatible
 * judge (by default the teacher's model), its calls cached in the project's store and reserved
 * against the same budget as the teacher's (src/eval/judge-call.ts).
 */
import { Budget } from '../collect/budget.js';
import { createStoreJudgeCall } from '../eval/judge-call.js';
import { judgePairs, type JudgePair, type JudgeSummary } from '../eval/judge.js';
import type { Store } from '../store/types.js';
import type { LoadedTask } from '../task/load.js';
import { costUSD } from '../teacher/prices.js';
import type { EventSink } from './events.js';
import { makeTeacher, type ResolvedTeacher } from './make-teacher.js';

/** The judge the task file names: the teacher's endpoint and key, its own model and output limit, no logprobs. */
export function makeJudge(task: LoadedTask, env: NodeJS.ProcessEnv | undefined): ResolvedTeacher | undefined {
  const settings = task.spec.evaluate.judge;
  if (settings === undefined) return undefined;
  const teacher = { ...task.spec.teacher, model: settings.model ?? task.spec.teacher.model, logprobs: false, maxTokens: settings.maxTokens };
  return makeTeacher({ ...task.spec, teacher }, env);
}

/** Judges up to `evaluate.judge.pairs` test pairs; the judge's spending stays inside budget.maxUSD. */
export async function judgeStudent(task: LoadedTask, store: Store, pairs: readonly JudgePair[], judge: ResolvedTeacher, emit: EventSink): Promise<JudgeSummary> {
  const limit = task.spec.evaluate.judge?.pairs ?? pairs.length;
  const chosen = pairs.slice(0, limit);
  emit({ type: 'evaluate-progress', step: 'judging', done: 0, total: chosen.length });
  const budget = new Budget(task.spec.budget.maxUSD, await store.ledger());
  const call = createStoreJudgeCall({ judge: judge.teacher, store, budget, costUSD: (usage) => costUSD(usage, judge.prices), maxOutputTokens: judge.maxOutputTokens });
  const summary = await judgePairs(chosen, call, { concurrency: task.spec.limits.concurrency });
  emit({ type: 'evaluate-progress', step: 'judging', done: chosen.length, total: chosen.length });
  return summary;
}
