import type { BatchEvent } from '../collect/batch-collector.js';
import type { CollectEvent } from '../collect/collector.js';
import type { StopReason } from './errors.js';
import type { EpochReport } from '../student/types.js';

/** The stages of `distillery run`, in order. */
export const STAGES = ['import', 'collect', 'curate', 'train', 'evaluate'] as const;
export type Stage = (typeof STAGES)[number];

/** Everything a run reports while it works; the CLI renders these as progress bars or JSON lines. */
export type PipelineEvent =
  | { type: 'stage-start'; stage: Stage; detail?: string }
  | { type: 'stage-done'; stage: Stage; summary: string; data?: Record<string, unknown> }
  | { type: 'stage-skip'; stage: Stage; reason: string }
  /** A stage that stopped before its end (cancelled, teacher unreachable…); the error that follows says why, once. */
  | { type: 'stage-stop'; stage: Stage; reason: StopReason; data?: Record<string, unknown> }
  | { type: 'warning'; stage: Stage; message: string }
  /** A task file warning (it does not stop the run); `text` is the whole `file:line:col: field: message` line. */
  | { type: 'task-warning'; file: string; line: number | null; column: number | null; field: string; message: string; text: string }
  | { type: 'collect'; event: CollectEvent }
  /** A Batch API job (collect.mode: batch): submitted, found again after a crash, polled (status and request counts), resubmitted. */
  | { type: 'batch'; event: BatchEvent }
  | { type: 'epoch'; report: EpochReport; maxEpochs: number }
  /** The language-model student's validation pass every few steps (extract and generate tasks). */
  | { type: 'train-progress'; step: number; steps: number; trainLoss: number; validationLoss: number; improved: boolean }
  | { type: 'evaluate-progress'; done: number; total: number; step?: 'scoring' | 'timing the teacher' | 'judging' };

/** A sink for pipeline events. */
export type EventSink = (event: PipelineEvent) => void;
