/**
 * The package's entry (src/index.ts) exports every type its exported functions, classes and types
 * name, so that a user can write down what they pass: `RunTaskOptions` once named `Stage`,
 * `EventSink` and `ResolvedTeacher`, which the package did not export.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as distillery from '../src/index.js';
import { repositoryRoot } from './cli-helpers.js';
import { unexportedPublicTypes } from './public-api.js';

const declarations = mkdtempSync(path.join(os.tmpdir(), 'distillery-api-'));
afterAll(() => rmSync(declarations, { recursive: true, force: true }));

describe('the package entry', () => {
  it('exports every type that an exported declaration names', () => {
    execFileSync(path.join(repositoryRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--emitDeclarationOnly', '--outDir', declarations], { cwd: repositoryRoot, stdio: 'pipe' });
    expect(unexportedPublicTypes(path.join(declarations, 'index.d.ts'))).toEqual([]);
  }, 60_000);

  it('exports the student, pipeline, server and guard entry points', () => {
    for (const name of ['loadStudent', 'runTask', 'loadTaskFile', 'startStudentServer', 'openSqliteStore', 'createOpenAITeacher', 'startGateway', 'openSqliteGuardStore', 'createKey', 'defaultDetectors', 'loadPolicyFile', 'DistilleryError', 'STAGES'] as const) {
      expect(distillery[name], name).toBeDefined();
    }
  });
});
