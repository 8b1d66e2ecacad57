import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectPaths } from '../pipeline/project.js';

/** What an interrupted demo leaves behind, and how to carry on from it (`subcommand`: e.g. ' extract'). */
export function resumeHint(dir: string, dirGiven: boolean, subcommand = ''): string {
  const paths = projectPaths(path.resolve(dir));
  const kept = [`the teacher's answers collected so far (${path.join(dir, 'distillery.sqlite')})`];
  if (existsSync(paths.student)) kept.push(`the student (${path.join(dir, 'student.dstl')})`);
  if (existsSync(paths.reportHtml)) kept.push(`the report (${path.join(dir, 'report.html')})`);
  return `Kept: ${kept.join(', ')}. Resume with \`distillery demo${subcommand}${dirGiven ? ` --dir ${dir}` : ''}\`: answers already collected are reused, not asked again.`;
}
