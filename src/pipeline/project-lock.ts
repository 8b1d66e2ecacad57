import { openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from './errors.js';

/** True when a process with this pid is alive (signal 0 checks without touching it). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the project's lock file, so two runs never share one database: the second would take the
 * first's in-flight calls for a dead run's orphans. A lock left by a killed run is taken over.
 * Returns the function that releases it.
 */
export function lockProject(root: string): () => void {
  const file = path.join(root, 'run.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const descriptor = openSync(file, 'wx');
      writeSync(descriptor, String(process.pid));
      closeSync(descriptor);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new SetupError(`another distillery run (pid ${holder}) is using ${root}; wait for it to finish or stop it`);
      }
      rmSync(file, { force: true }); // left by a run that died (kill -9): safe to take over
    }
  }
  throw new SetupError(`could not lock ${root}: ${file} keeps reappearing`);
}
