/**
 * The background retrain's worker thread: fits a student on the examples it is given and posts the
 * student file's bytes back, so the route keeps answering while the student trains.
 */
import { workerData } from 'node:worker_threads';
import { createStudent } from '../student/registry.js';
import { replyWithResult } from '../util/worker-job.js';
import type { RetrainRequest } from './background-fit.js';

const request = workerData as RetrainRequest;
await replyWithResult(() => {
  const student = createStudent(request.kind, request.labels, request.settings);
  const fit = student.fit(request.train, request.validation.length > 0 ? request.validation : request.train);
  return { bytes: student.toBytes(), seconds: fit.seconds };
});
