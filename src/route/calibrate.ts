/**
 * Calibrating the route's confidence threshold on held-out data. The student answers a call when its
 * top probability is at least the threshold, the teacher answers the rest; a teacher-answered call
 * agrees with the teacher by definition, so the overall agreement at a threshold is
 * (student-answered calls where the student agrees + teacher-answered calls) / all calls.
 */
import type { Store } from '../store/types.js';
import type { Student } from '../student/types.js';

/**
 * What a classifier's confidence is: its top probability, or the margin between its top two
 * probabilities (for two labels the same ranking; with many, a near-tie between two labels counts as
 * unsure even when the rest of the mass is spread thin). The route picks one on the validation split.
 */
export type ConfidenceSignal = 'top-probability' | 'margin';

/** The signals the route can calibrate on, the default first. */
export const CONFIDENCE_SIGNALS: readonly ConfidenceSignal[] = ['top-probability', 'margin'];

/** A classifier's confidence in its prediction `index` under `signal`. */
export function classifierConfidence(probabilities: ArrayLike<number>, index: number, signal: ConfidenceSignal): number {
  const top = probabilities[index] ?? 0;
  if (signal === 'top-probability') return top;
  let second = 0;
  for (let label = 0; label < probabilities.length; label++) if (label !== index && (probabilities[label] ?? 0) > second) second = probabilities[label] ?? 0;
  return top - second;
}

/** One held-out call: the student's confidence, and whether its label is the teacher's. */
export interface ConfidencePair {
  confidence: number;
  agrees: boolean;
}

/** A held-out call of a project: the pair, with the input's text and the teacher's label. */
export interface HeldOutCall extends ConfidencePair {
  text: string;
  teacherLabel: string;
}

/** The route at one threshold. */
export interface CurvePoint {
  threshold: number;
  /** Share of calls the student answers (confidence ≥ threshold). */
  coverage: number;
  /** Overall agreement with the teacher when the teacher answers the rest. */
  agreement: number;
  /** Agreement on the student-answered calls alone; null when it answers none. */
  studentAgreement: number | null;
}

/** The threshold picked for a target, with the curve it was picked on. */
export interface Calibration {
  target: number;
  /** Held-out calls the curve is computed on. */
  examples: number;
  /** Lowest threshold whose overall agreement reaches the target; null sends every call to the teacher. */
  threshold: number | null;
  /** The route at `threshold`; null with it. */
  point: CurvePoint | null;
  /** Why every call goes to the teacher, when `threshold` is null. */
  reason: string | null;
  /** Every candidate threshold (each distinct confidence, ascending). */
  curve: CurvePoint[];
  /** A classifier's confidence signal the threshold applies to (absent: top probability, or a language model's sequence confidence). */
  signal?: ConfidenceSignal;
}

/**
 * Calibrates each signal on the same held-out calls and keeps the one that lets the student answer the
 * most calls at the target (ties and "none reaches it" keep the first, top probability).
 */
export function calibrateBestSignal(pairsBySignal: ReadonlyMap<ConfidenceSignal, readonly ConfidencePair[]>, target: number): Calibration {
  let best: Calibration | null = null;
  for (const signal of CONFIDENCE_SIGNALS) {
    const pairs = pairsBySignal.get(signal);
    if (pairs === undefined) continue;
    const calibration = { ...calibrateThreshold(pairs, target), signal };
    if (best === null || (calibration.point?.coverage ?? -1) > (best.point?.coverage ?? -1)) best = calibration;
  }
  if (best === null) throw new RangeError('calibrateBestSignal: no signal to calibrate');
  return best;
}

/** The route at each distinct confidence of `pairs`, lowest threshold (most coverage) first. */
export function coverageCurve(pairs: readonly ConfidencePair[]): CurvePoint[] {
  const total = pairs.length;
  if (total === 0) return [];
  // Highest confidence first: lowering the threshold past a value adds every pair holding it.
  const sorted = [...pairs].sort((a, b) => b.confidence - a.confidence);
  const points: CurvePoint[] = [];
  let answered = 0;
  let agreeing = 0;
  for (let index = 0; index < sorted.length; index++) {
    const pair = sorted[index] as ConfidencePair;
    answered++;
    if (pair.agrees) agreeing++;
    if (index + 1 < sorted.length && (sorted[index + 1] as ConfidencePair).confidence === pair.confidence) continue;
    points.push({ threshold: pair.confidence, coverage: answered / total, agreement: (agreeing + total - answered) / total, studentAgreement: agreeing / answered });
  }
  return points.reverse();
}

/** Picks the lowest threshold whose overall agreement is at least `target` (0 < target ≤ 1). */
export function calibrateThreshold(pairs: readonly ConfidencePair[], target: number): Calibration {
  if (!(target > 0 && target <= 1)) throw new RangeError(`the target agreement must be in (0, 1], got ${target}`);
  const curve = coverageCurve(pairs);
  const base = { target, examples: pairs.length, curve };
  if (curve.length === 0) return { ...base, threshold: null, point: null, reason: 'no held-out (validation) calls with a teacher label to calibrate on' };
  // Agreement is not monotone in the threshold: take the lowest threshold that reaches the target, wherever it lies.
  const point = curve.find((candidate) => candidate.agreement >= target);
  if (point === undefined) {
    return { ...base, threshold: null, point: null, reason: `no threshold reaches ${percent(target)} agreement on ${pairs.length} validation calls (even the most confident student answers disagree too often)` };
  }
  return { ...base, threshold: point.threshold, point, reason: null };
}

/** A ratio as a percentage with one decimal. */
function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** The curve thinned to at most `points` rows (evenly spaced in coverage), always keeping the pick. */
export function thinCurve(calibration: Calibration, points = 21): CurvePoint[] {
  const { curve } = calibration;
  if (curve.length <= points) return [...curve];
  const kept = new Set<CurvePoint>();
  for (let step = 0; step < points; step++) kept.add(curve[Math.round((step * (curve.length - 1)) / (points - 1))] as CurvePoint);
  if (calibration.point !== null) kept.add(calibration.point);
  return curve.filter((point) => kept.has(point));
}

/** The calibration as a JSON-ready fragment (the curve thinned for reading). */
export function calibrationFragment(calibration: Calibration): Record<string, unknown> {
  const { curve: _full, ...rest } = calibration;
  return { ...rest, curve: thinCurve(calibration) };
}

/** The calibration as a Markdown fragment: the pick (or why there is none) and the coverage/agreement table. */
export function renderCalibrationMarkdown(calibration: Calibration): string {
  const pick = calibration.point === null
    ? `No threshold: every call goes to the teacher (${calibration.reason ?? ''}).`
    : `Threshold ${calibration.point.threshold.toFixed(4)}${calibration.signal === undefined ? '' : ` on the ${calibration.signal === 'margin' ? 'margin between the top two label probabilities' : 'top label probability'}`}: the student answers ${percent(calibration.point.coverage)} of calls, overall agreement ${percent(calibration.point.agreement)} (target ${percent(calibration.target)}).`;
  const rows = thinCurve(calibration).map((point) => `| ${point.threshold.toFixed(4)} | ${percent(point.coverage)} | ${percent(point.agreement)} | ${point.studentAgreement === null ? '—' : percent(point.studentAgreement)} |${point === calibration.point ? ' ← pick' : ''}`);
  return [`### Route calibration (${calibration.examples} validation calls)`, '', pick, '', '| threshold | answered by the student | overall agreement | student agreement |', '|---|---|---|---|', ...rows, ''].join('\n');
}

/**
 * The (confidence, agreement) pairs of one split of a project: each kept input of the split with a
 * label answer from the task's teacher model (the newest, when the store holds several), against the
 * student's prediction on its text.
 */
export async function splitPairs(store: Store, student: Student, teacherModel: string, split: 'train' | 'val' | 'test' = 'val', signal: ConfidenceSignal = 'top-probability'): Promise<HeldOutCall[]> {
  const [inputs, splits, responses] = await Promise.all([store.listInputs(), store.listSplits(), store.listResponses()]);
  const wanted = new Set(splits.filter((assignment) => assignment.split === split && assignment.duplicateOf === null).map((assignment) => assignment.inputId));
  const teacherLabel = new Map<string, { label: string; createdAt: number }>();
  for (const response of responses) {
    if (response.model !== teacherModel || response.kind !== 'label' || response.label === null || !wanted.has(response.inputId)) continue;
    const known = teacherLabel.get(response.inputId);
    if (known === undefined || response.createdAt > known.createdAt) teacherLabel.set(response.inputId, { label: response.label, createdAt: response.createdAt });
  }
  const pairs: HeldOutCall[] = [];
  for (const input of inputs) {
    const teacher = teacherLabel.get(input.id);
    if (teacher === undefined) continue;
    const prediction = student.predict(input.text);
    pairs.push({ confidence: classifierConfidence(prediction.probabilities, prediction.index, signal), agrees: prediction.label === teacher.label, text: input.text, teacherLabel: teacher.label });
  }
  return pairs;
}
