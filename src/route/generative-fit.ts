/** Training a language-model student further on a worker thread: it takes seconds to minutes, and the route must keep answering. */
import { Worker } from 'node:worker_threads';
import { languageModelFromBytes } from '../student/lm/lm-student.js';
import type { GenerationExample } from '../student/lm/sequences.js';
import type { TrainingSettings } from '../student/lm/training.js';
import type { GenerativeStudent, WeightStorage } from '../student/lm/types.js';
import { workerSource } from '../util/worker-source.js';

/** What the worker trains: the current student's file, the examples, the optimiser settings. */
export interface GenerativeRetrainRequest {
  studentBytes: Uint8Array;
  train: GenerationExample[];
  validation: GenerationExample[];
  training: Partial<TrainingSettings>;
  /** How the weights come back (the task's student.lm.storage), so the student judged is the file promoted. */
  storage?: WeightStorage;
}

/** The student trained further and how long it took. */
export interface GenerativeFit {
  student: GenerativeStudent;
  seconds: number;
}

/** Trains `request` on a new worker thread; rejects with the worker's message when training fails. */
export function fitGenerativeInBackground(request: GenerativeRetrainRequest, decode: (bytes: Uint8Array) => GenerativeStudent = languageModelFromBytes): Promise<GenerativeFit> {
  const { source, eval: evaluate } = workerSource(import.meta.url, 'generative-retrain-worker');
  const worker = new Worker(source, { workerData: request, eval: evaluate });
  return new Promise<GenerativeFit>((resolve, reject) => {
    worker.once('message', (message: { ok: true; bytes: Uint8Array; seconds: number } | { ok: false; message: string }) => {
      void worker.terminate();
      if (message.ok) resolve({ student: decode(message.bytes), seconds: message.seconds });
      else reject(new Error(`the background retrain failed: ${message.message}`));
    });
    worker.once('error', (error) => reject(new Error(`the background retrain failed: ${error.message}`)));
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the background retrain's worker exited with code ${code}`));
    });
  });
}
