import type { CalibrationBin, GoldScores, LatencySummary } from './metrics.js';

export type { GoldScores } from './metrics.js';

/** Everything the evaluation found; optional parts are missing when there was no data for them. */
export interface EvalReport {
  task: string;
  createdAt: string;
  teacherModel: string;
  studentKind: string;
  labels: string[];
  counts: { inputs: number; train: number; val: number; test: number; duplicates: number; junk: number };
  /** Test examples that had a teacher label (the ones scored). */
  testExamples: number;
  /** Student label = teacher label, on the test split. */
  agreement: number;
  /** Student vs teacher, macro-F1 over labels present. */
  macroF1VsTeacher: number;
  studentVsGold?: GoldScores;
  teacherVsGold?: GoldScores;
  /** ECE over 15 equal-width bins of the student's top probability; `bins` are against the teacher. */
  calibration: { eceVsTeacher: number; eceVsGold?: number; bins: CalibrationBin[]; binsVsGold?: CalibrationBin[] };
  /** Confusion over the labels that occur in the test split: rows are the reference's labels, columns the student's. */
  confusion: { reference: 'teacher' | 'gold'; labels: string[]; matrix: number[][] };
  perClass: Array<{ label: string; precision: number; recall: number; f1: number; support: number }>;
  latency: {
    student: LatencySummary;
    /** Teacher latency per call as collected (includes network and queueing at the configured concurrency). */
    teacher?: LatencySummary;
  };
  cost: {
    /** Mean USD per 1,000 teacher calls, from the recorded usage and prices. */
    teacherPer1kUSD: number;
    /** USD per 1,000 student calls: measured CPU time per call × `cpuHourUSD`. */
    studentPer1kUSD: number;
    cpuHourUSD: number;
    priceSource: string;
  };
  student: { bytes: number; parameters: number };
  training?: { epochs: number; bestEpoch: number; seconds: number; examplesPerSecond: number; stoppedEarly: boolean };
  collection?: { calls: number; cached: number; junk: number; failed: number; spentUSD: number; totalSpentUSD: number; budgetUSD: number };
}
