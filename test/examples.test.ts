/** The task files shipped in examples/ must stay valid and point at data that exists. */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTaskFile } from '../src/task/load.js';
import { repositoryRoot } from './cli-helpers.js';

const folder = path.join(repositoryRoot, 'examples');

describe('examples/', () => {
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.yaml'))) {
    it(`${file} is a valid task whose inputs exist`, async () => {
      const task = await loadTaskFile(path.join(folder, file));
      expect(existsSync(path.resolve(task.baseDir, task.spec.inputs.path))).toBe(true);
    });
  }
});
