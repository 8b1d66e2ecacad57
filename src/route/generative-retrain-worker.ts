/**
 * The language-model retrain's worker thread: trains the current student's weights further on the
 * examples it is given and posts the new student file's bytes back.
 */
import { workerData } from 'node:worker_threads';
import { decodeStudentFile } from '../student/file-container.js';
import { continueTrainingLanguageModel } from '../student/lm/lm-student.js';
import { replyWithResult } from '../util/worker-job.js';
import type { GenerativeRetrainRequest } from './generative-fit.js';

const request = workerData as GenerativeRetrainRequest;
await replyWithResult(async () => {
  const tokenizer = decodeStudentFile(request.studentBytes).header['tokenizer'] as { kind?: string; encoding?: string } | undefined;
  // A student on the teacher's tokenizer needs its gpt-tokenizer encoding (megabytes: loaded only then).
  const encodings = tokenizer?.kind !== 'teacher' ? {} : tokenizer.encoding === 'cl100k_base'
    ? { cl100k_base: await import('gpt-tokenizer/encoding/cl100k_base') } : { o200k_base: await import('gpt-tokenizer/encoding/o200k_base') };
  const { student, report } = continueTrainingLanguageModel(request.studentBytes, request.train, request.validation, request.training, { encodings });
  return { bytes: student.toBytes(request.storage), seconds: report.seconds };
});
