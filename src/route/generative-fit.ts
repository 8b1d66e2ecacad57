/** Training a language-model student further on a worker thread: it takes seconds to minutes, and the route must keep answering. */
import { languageModelFromBytes } from '../student/lm/lm-student.js';
import type { GenerationExample } from '../student/lm/sequences.js';
import type { TrainingSettings } from '../student/lm/training.js';
import type { GenerativeStudent, WeightStorage } from '../student/lm/types.js';
import { runWorkerJob } from '../util/worker-job.js';

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
export async function fitGenerativeInBackground(request: GenerativeRetrainRequest, decode: (bytes: Uint8Array) => GenerativeStudent = languageModelFromBytes): Promise<GenerativeFit> {
  const { bytes, seconds } = await runWorkerJob<{ bytes: Uint8Array; seconds: number }>(import.meta.url, 'generative-retrain-worker', request, 'the background retrain');
  return { student: decode(bytes), seconds };
}
