/**
 * `distillery serve` as the CLI runs it: an n-gram student trained on the synthetic task, written
 * to a student file, loaded back from it, and served by startStudentServer as model 'student'.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStudentServer } from '../../../src/serve/student-server.js';
import { createStudent, loadStudentFile, saveStudent } from '../../../src/student/index.js';
import { SYNTHETIC_LABELS, syntheticExamples, testSettings } from '../../../src/student/synthetic-task.js';
import { serveChild } from './serve-child.js';

await serveChild(async () => {
  const trained = createStudent('ngram', SYNTHETIC_LABELS, testSettings({ epochs: 5 }));
  trained.fit(syntheticExamples(2000, 1), syntheticExamples(200, 2));
  const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-bench-student-'));
  const file = path.join(folder, 'student.dstl');
  await saveStudent(trained, file);
  const student = loadStudentFile(file);
  rmSync(folder, { recursive: true, force: true });
  const server = await startStudentServer({ student, modelName: 'student' });
  return { url: server.url, close: () => server.close(), info: { model: 'student' } };
});
