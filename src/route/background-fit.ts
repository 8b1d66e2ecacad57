/** Fitting a student on a worker thread: training takes seconds, and the route must keep answering meanwhile. */
import { studentFromBytes } from '../student/file-format.js';
import type { Student, TrainingExample } from '../student/types.js';
import type { StudentSettings } from '../task/schema.js';
import { runWorkerJob } from '../util/worker-job.js';

/** What the worker fits. */
export interface RetrainRequest {
  kind: string;
  labels: readonly string[];
  settings: StudentSettings;
  train: TrainingExample[];
  validation: TrainingExample[];
}

/** A fitted student and how long the fit took. */
export interface BackgroundFit {
  student: Student;
  seconds: number;
}

/** Fits `request` on a new worker thread; rejects with the worker's message when fitting fails. */
export async function fitInBackground(request: RetrainRequest): Promise<BackgroundFit> {
  const { bytes, seconds } = await runWorkerJob<{ bytes: Uint8Array; seconds: number }>(import.meta.url, 'retrain-worker', request, 'the background retrain');
  return { student: studentFromBytes(bytes), seconds };
}
