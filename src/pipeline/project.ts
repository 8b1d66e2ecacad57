import { mkdir } from 'node:fs/promises';
import path from 'node:path';

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

/** Creates the project folders. */
export async function ensureProject(paths: ProjectPaths): Promise<void> {
  await mkdir(paths.exportsDir, { recursive: true });
}
