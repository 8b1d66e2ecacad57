import { statSync } from 'node:fs';
import path from 'node:path';
import { loadTaskFile } from '../task/load.js';
import { projectPaths } from '../pipeline/project.js';

/** Accepts a student file, a project folder or a task file, and returns the student file's path. */
export async function resolveStudentPath(target: string): Promise<string> {
  if (/\.ya?ml$/i.test(target)) return projectPaths((await loadTaskFile(target)).projectDir).student;
  const stats = statSync(target, { throwIfNoEntry: false });
  if (stats?.isDirectory()) return projectPaths(path.resolve(target)).student;
  return path.resolve(target);
}
