/** Fitting a student on a worker thread: training takes seconds, and the route must keep answering meanwhile. */
import { Worker } from 'node:worker_threads';
import { studentFromBytes } from '../student/file-format.js';
import type { Student, TrainingExample } from '../student/types.js';
import type { StudentSettings } from '../task/schema.js';
import { workerSource } from '../util/worker-source.js';

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
export function fitInBackground(request: RetrainRequest): Promise<BackgroundFit> {
  const { source, eval: evaluate } = workerSource(import.meta.url, 'retrain-worker');
  const worker = new Worker(source, { workerData: request, eval: evaluate });
  return new Promise<BackgroundFit>((resolve, reject) => {
    worker.once('message', (message: { ok: true; bytes: Uint8Array; seconds: number } | { ok: false; message: string }) => {
      void worker.terminate();
      if (message.ok) resolve({ student: studentFromBytes(message.bytes), seconds: message.seconds });
      else reject(new Error(`the background retrain failed: ${message.message}`));
    });
    worker.once('error', (error) => reject(new Error(`the background retrain failed: ${error.message}`)));
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the background retrain's worker exited with code ${code}`));
    });
  });
}
