/**
 * Active vs random selection of the teacher calls, at equal calls: the active curve is the product's
 * own `collectActively` (real collector, budget, SQLite store, journal) with an in-process teacher
 * that answers from precomputed teacher labels; the random curve trains the same student on the
 * first N calls of a shuffled pool. Both are scored on the same external test set, which neither
 * pays for; the active run's own held-out estimate (with its 95% Wilson interval) is kept beside it.
 */
import { collectActively } from '../src/collect/active-collect.js';
import { createFakeTeacher, softAnswer } from '../src/collect/fake-teacher.js';
import { UsageRatio } from '../src/collect/usage-ratio.js';
import { wilsonInterval } from '../src/eval/metrics.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import type { InputRecord } from '../src/store/types.js';
import { createStudent, type Student, type TrainingExample } from '../src/student/index.js';
import { taskSpecSchema, type ActiveSelectionSettings, type StudentSettings } from '../src/task/schema.js';
import { costUSD, type Prices } from '../src/teacher/prices.js';
import { countTextTokens, estimateInputTokens } from '../src/teacher/tokens.js';
import type { ChatMessage, TeacherCompletion } from '../src/teacher/types.js';
import { unitInterval } from '../src/util/hash.js';

/** One input with the teacher's answer. */
export interface TeacherItem { id: string; text: string; teacher: number; soft: number[] }

/** A task to compare selections on: its labels, the system prompt calls are costed with, its items. */
export interface SelectionTask { name: string; labels: readonly string[]; system: string; items: TeacherItem[] }

/** One point of a curve: calls bought, their cost, agreement with the teacher on the external test set. */
export interface SelectionPoint {
  calls: number;
  costUSD: number;
  agreement: number;
  /** Active only: the run's own estimate on its random held-out sample, with the 95% Wilson interval (%). */
  heldOut?: { agreement: number; lower: number; upper: number; size: number };
}

/** What one comparison needs. */
export interface SelectionPlan { student: StudentSettings; active: ActiveSelectionSettings; maxCalls: number; prices: Prices }

/** The messages a call sends (the same for both selections, so both are costed alike). */
function messagesOf(task: SelectionTask, text: string): ChatMessage[] {
  return [{ role: 'system', content: task.system }, { role: 'user', content: text }];
}

/** What one call for `item` costs at the plan's prices: the prompt's tokens and a one-label answer. */
export function callCost(task: SelectionTask, item: TeacherItem, prices: Prices): number {
  return costUSD({ inputTokens: estimateInputTokens(messagesOf(task, item.text)), outputTokens: countTextTokens(task.labels[item.teacher] ?? '') + 1 }, prices);
}

/** Agreement (%) of a student with the teacher on `test`. */
function agreementOn(student: Student, test: readonly TeacherItem[]): number {
  return (100 * test.filter((item) => student.predict(item.text).index === item.teacher).length) / Math.max(1, test.length);
}

/** The teacher's answer as the wire would carry it: the label and top-20 logprobs of its distribution. */
function completionFor(task: SelectionTask, item: TeacherItem, messages: ChatMessage[]): TeacherCompletion {
  const top = item.soft.map((p, index) => ({ p, index })).filter((entry) => entry.p > 0).sort((a, b) => b.p - a.p).slice(0, 20);
  const label = task.labels[item.teacher] ?? '';
  const completion = softAnswer(label, top.map((entry) => task.labels[entry.index] ?? ''), top.map((entry) => entry.p));
  return { ...completion, usage: { inputTokens: estimateInputTokens(messages), outputTokens: countTextTokens(label) + 1, estimated: false } };
}

/** Runs the product's active selection on `pool` until about `plan.maxCalls` calls' worth of budget is spent; one point per round. */
export async function activeCurve(task: SelectionTask, pool: readonly TeacherItem[], test: readonly TeacherItem[], plan: SelectionPlan): Promise<SelectionPoint[]> {
  const byText = new Map(pool.map((item) => [item.text, item]));
  let spentUSD = 0;
  const teacher = createFakeTeacher((call, request) => {
    const item = byText.get(call.user) as TeacherItem;
    spentUSD += callCost(task, item, plan.prices);
    return completionFor(task, item, request.messages);
  });
  const store = openSqliteStore(':memory:');
  const meanCost = pool.reduce((sum, item) => sum + callCost(task, item, plan.prices), 0) / pool.length;
  const maxOutputTokens = Math.max(...task.labels.map((label) => countTextTokens(label))) + 1;
  const inputs: InputRecord[] = pool.map((item) => ({ id: item.id, text: item.text, gold: null, source: task.name }));
  const points: SelectionPoint[] = [];
  let latest: Student | null = null;
  try {
    await collectActively({
      store, teacher, inputs, labels: task.labels, settings: plan.active,
      buildMessages: (input) => messagesOf(task, input.text), requestKey: (messages) => messages.map((message) => message.content).join('\u0000'),
      estimateInputTokens, costUSD: (usage) => costUSD(usage, plan.prices), maxOutputTokens,
      // The budget buys about maxCalls calls (each reserved at its worst case, a one-label answer of the longest label).
      budgetUSD: plan.maxCalls * meanCost, concurrency: 8, maxRetries: 0, usageRatio: new UsageRatio(teacher.modelId, 1, { margin: 0 }),
      fitScorer: (train, validation) => {
        const student = createStudent(plan.student.kind, task.labels, plan.student);
        const example = (entry: (typeof train)[number]): TrainingExample => ({ text: entry.input.text, label: entry.label, soft: entry.soft });
        student.fit(train.map(example), validation.map(example));
        latest = student;
        return (text) => student.predict(text).probabilities;
      },
      onEvent: (event) => {
        if (event.type !== 'round' || latest === null) return;
        const { round } = event;
        const interval = wilsonInterval(round.heldOutAgreed, round.heldOutAnswered);
        points.push({
          calls: teacher.calls.length, costUSD: spentUSD, agreement: agreementOn(latest, test),
          heldOut: { agreement: 100 * round.agreement, lower: 100 * interval.lower, upper: 100 * interval.upper, size: round.heldOutAnswered },
        });
      },
    });
  } finally {
    await store.close();
  }
  return points;
}

/** The random baseline at each of `counts`: the same student trained on the first N of a shuffle (90/10 train/early-stopping validation). */
export function randomCurve(task: SelectionTask, pool: readonly TeacherItem[], test: readonly TeacherItem[], counts: readonly number[], plan: SelectionPlan, shuffleSeed: string): SelectionPoint[] {
  const ordered = [...pool].sort((a, b) => unitInterval(`${shuffleSeed}:${a.id}`) - unitInterval(`${shuffleSeed}:${b.id}`));
  return counts.map((calls) => {
    const paid = ordered.slice(0, calls);
    const isValidation = (item: TeacherItem) => unitInterval(`random-val:${item.id}`) < 0.1;
    const example = (item: TeacherItem): TrainingExample => ({ text: item.text, label: item.teacher, soft: Float32Array.from(item.soft) });
    const student = createStudent(plan.student.kind, task.labels, plan.student);
    student.fit(paid.filter((item) => !isValidation(item)).map(example), paid.filter(isValidation).map(example));
    return { calls, costUSD: paid.reduce((sum, item) => sum + callCost(task, item, plan.prices), 0), agreement: agreementOn(student, test) };
  });
}

/** Active selection settings as a task file with these values would give them. */
export function activeSettings(overrides: Record<string, unknown>): ActiveSelectionSettings {
  return taskSpecSchema.shape.collect.parse({ selection: 'active', active: overrides }).active;
}

/** The fewest calls at which a curve reaches `target` %, read between points by linear interpolation; null if never. */
export function callsToReach(curve: readonly SelectionPoint[], target: number): number | null {
  const at = reachAt(curve, target, (point) => point.calls);
  return at === null ? null : Math.round(at);
}

/** What the teacher calls had cost (USD) when a curve first reaches `target` %, interpolated as callsToReach; null if never. */
export function costToReach(curve: readonly SelectionPoint[], target: number): number | null {
  return reachAt(curve, target, (point) => point.costUSD);
}

/** Where (in `x`) a curve first reaches `target` %, by linear interpolation from the point before. */
function reachAt(curve: readonly SelectionPoint[], target: number, x: (point: SelectionPoint) => number): number | null {
  for (const [index, point] of curve.entries()) {
    if (point.agreement < target) continue;
    const before = curve[index - 1];
    if (before === undefined) return x(point);
    return x(before) + ((target - before.agreement) / (point.agreement - before.agreement)) * (x(point) - x(before));
  }
  return null;
}
