/**
 * Distillery's in-process API: load a student and label text in a Node app, or drive the pipeline.
 *
 *   import { loadStudent } from 'distillery';
 *   const student = loadStudent('.distillery/support-tickets/student.dstl');
 *   student.predict('I was charged twice').label; // 'billing'
 */
import { loadStudentFile } from './student/file-format.js';
import type { Student } from './student/types.js';

/** Loads a student file (.dstl) for in-process prediction; a corrupt or foreign file is a clear error. */
export function loadStudent(file: string): Student {
  return loadStudentFile(file);
}

export type { Student, Prediction, TrainingExample, FitReport } from './student/types.js';
export { createStudent, saveStudent, studentFromBytes, StudentFileError, STUDENT_KINDS } from './student/index.js';
export { loadTaskFile, parseTaskSpec, SpecError, taskSpecSchema, type TaskSpec, type LoadedTask } from './spec/index.js';
export { runTask, type RunTaskOptions, type RunTaskResult } from './pipeline/run-task.js';
export { startStudentServer } from './serve/student-server.js';
export { openSqliteStore } from './store/sqlite-store.js';
export type { Store } from './store/types.js';
export type { Teacher, TeacherResult, TeacherRequest, ChatMessage } from './teacher/types.js';
export { createOpenAITeacher } from './teacher/openai-teacher.js';
