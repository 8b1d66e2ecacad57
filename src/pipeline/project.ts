import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileAccessFailure } from '../util/node-errors.js';

/** Where a project keeps its database and artefacts. */
export interface ProjectPaths {
  root: string;
  database: string;
  student: string;
  exportsDir: string;
  reportMarkdown: string;
  reportHtml: string;
  reportJson: string;
}

/** The file layout of a project folder. */
export function projectPaths(root: string): ProjectPaths {
  return {
    root,
    database: path.join(root, 'distillery.sqlite'),
    student: path.join(root, 'student.dstl'),
    exportsDir: path.join(root, 'exports'),
    reportMarkdown: path.join(root, 'report.md'),
    reportHtml: path.join(root, 'report.html'),
    reportJson: path.join(root, 'report.json'),
  };
}

/** Creates the project folders; a folder the OS refuses is a FileAccessError naming it (exit 5). */
export async function ensureProject(paths: ProjectPaths): Promise<void> {
  try {
    await mkdir(paths.exportsDir, { recursive: true });
    // mkdir succeeds on folders that already exist, so check now that the run can write its lock and database.
    await access(paths.root, constants.W_OK);
  } catch (error) {
    throw fileAccessFailure(error, paths.root, 'cannot use the project folder');
  }
}
