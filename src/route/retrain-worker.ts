/**
 * The background retrain's worker thread: fits a student on the examples it is given and posts the
 * student file's bytes back, so the route keeps answering while the student trains.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createStudent } from '../student/registry.js';
import type { RetrainRequest } from './background-fit.js';

const request = workerData as RetrainRequest;
try {
  const student = createStudent(request.kind, request.labels, request.settings);
  const fit = student.fit(request.train, request.validation.length > 0 ? request.validation : request.train);
  const bytes = student.toBytes();
  parentPort?.postMessage({ ok: true, bytes, seconds: fit.seconds });
} catch (error) {
  parentPort?.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
}
