import type { CalibrationBin, GoldScores, LatencySummary, ProportionInterval } from './metrics.js';

export type { GoldScores, ProportionInterval } from './metrics.js';

/** A test example on which the student and the teacher chose different labels. */
export interface Disagreement {
  inputId: string;
  /** Where the input came from (file and line). */
  source: string;
  /** The start of the input, on one line. */
  snippet: string;
  /** The teacher's label and its probability (null for a teacher that gave no probabilities). */
  teacher: { label: string; probability: number | null };
  student: { label: string; probability: number };
}

/** An answer of the teacher that named none of the labels (kept as junk, never coerced). */
export interface JunkAnswer {
  inputId: string;
  source: string;
  snippet: string;
  split: 'train' | 'val' | 'test';
  /** What the teacher said, on one line. */
  answer: string;
}

/** A list cut to its first entries, with how many there were in all. */
export interface CappedList<T> {
  total: number;
  shown: T[];
}

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
  /** 95% Wilson score interval of `agreement` over `testExamples`. */
  agreementInterval: ProportionInterval;
  /** What a reader must know before trusting the figures (e.g. a test split too small to say much). */
  warnings: string[];
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
    /** Teacher latency per call: timed one call at a time when the run was asked to, else as collected. */
    teacher?: LatencySummary;
    /** How `teacher` was measured: 'sequential' (one call at a time, no queueing) or 'collected' (network and queueing at the configured concurrency included). */
    teacherMethod?: 'sequential' | 'collected';
  };
  /** Teacher p50 latency / student p50 latency (in-process): the one speed-up figure every summary quotes. */
  speedupAtP50?: number;
  cost: {
    /** Mean USD per 1,000 teacher calls, from the recorded usage and prices. */
    teacherPer1kUSD: number;
    /** USD per 1,000 student calls: measured CPU time per call × `cpuHourUSD`. */
    studentPer1kUSD: number;
    cpuHourUSD: number;
    priceSource: string;
  };
  student: { bytes: number; parameters: number };
  /** How the student was trained; `reused` when this run kept the saved student (figures from its file). */
  training?: { epochs: number; bestEpoch: number; seconds: number; examplesPerSecond: number; stoppedEarly: boolean; reused?: boolean };
  collection?: { calls: number; cached: number; junk: number; failed: number; spentUSD: number; totalSpentUSD: number; budgetUSD: number };
  /** Test examples where student and teacher disagree, most confident student first. */
  disagreements: CappedList<Disagreement>;
  /** Teacher answers that named no label, in every split. */
  junkAnswers: CappedList<JunkAnswer>;
}
