/**
 * Distillery as a user installs it (slow: behind DISTILLERY_E2E=1): `npm pack`, install the tarball
 * into an empty project, then `npx distillery demo --limit 200` runs and a typed
 * `import { loadStudent } from 'distillery'` compiles with tsc and runs.
 *
 * The consumer installs the versions this repository's package-lock.json pins (a lockfile derived
 * from it, `npm ci --prefer-offline`), so the test needs no network where npm's cache holds them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from './cli-helpers.js';

const enabled = process.env['DISTILLERY_E2E'] === '1';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const consumer = mkdtempSync(path.join(os.tmpdir(), 'distillery-consumer-'));
afterAll(() => rmSync(consumer, { recursive: true, force: true }));

interface LockEntry {
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
  license?: string;
  dependencies?: Record<string, string>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
}

/** A lockfile for a project depending only on the tarball: the repository's runtime entries, as locked. */
function consumerLockfile(tarball: string): string {
  const lock = JSON.parse(readFileSync(path.join(repositoryRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const root = lock.packages[''] ?? {};
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { distillery: `file:${path.basename(tarball)}` } },
    'node_modules/distillery': { version: root.version, resolved: `file:${path.basename(tarball)}`, integrity, license: root.license, dependencies: root.dependencies, bin: root.bin, engines: root.engines },
  };
  for (const [name, entry] of Object.entries(lock.packages)) if (name !== '' && entry.dev !== true && entry.devOptional !== true) packages[name] = entry;
  return JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2);
}

/**
 * The environment without what `npm run`/`npx` exported for this repository (npm_config_*,
 * npm_package_*, INIT_CWD): inherited, they make npm in the consumer act on this project instead.
 */
function consumerEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { NO_COLOR: '1' };
  for (const [name, value] of Object.entries(process.env)) if (!/^(npm_|INIT_CWD$)/i.test(name)) environment[name] = value;
  return environment;
}

/** Runs a command in the consumer project; fails the test with its output when it fails. */
function run(command: string, args: readonly string[], timeoutMs: number): string {
  const result = spawnSync(command, args, { cwd: consumer, encoding: 'utf8', timeout: timeoutMs, env: consumerEnvironment() });
  expect(result.status, `${command} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

describe.skipIf(!enabled)('the npm package (end to end)', () => {
  it('packs, installs into an empty project, runs the demo and compiles a typed import', () => {
    // Packed without prepack's clean rebuild: that deletes dist/ while other test files run the CLI from it
    // (they failed in CI when this ran beside them). `npm test` built dist from src before any test started.
    const packed = JSON.parse(execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', consumer], { cwd: repositoryRoot, encoding: 'utf8', timeout: 180_000, env: consumerEnvironment() })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const tarball = path.join(consumer, path.basename(packed[0]?.filename ?? ''));
    const files = packed[0]?.files.map((file) => file.path) ?? [];
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files.filter((file) => file.startsWith('src/') || file.startsWith('test/') || file.endsWith('.test.js'))).toEqual([]);

    writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: { distillery: `file:${path.basename(tarball)}` } }, null, 2));
    writeFileSync(path.join(consumer, 'package-lock.json'), consumerLockfile(tarball));
    run(npm, ['ci', '--prefer-offline', '--no-audit', '--no-fund'], 300_000);
    expect(readdirSync(path.join(consumer, 'node_modules/.bin'))).toContain('distillery');

    const demo = run('npx', ['--offline', 'distillery', 'demo', '--limit', '200', '--latency-samples', '20', '--json', '--dir', 'demo-project'], 300_000);
    const result = JSON.parse(demo.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
    expect(result['inputs']).toBeGreaterThan(100);
    expect(result['teacherCalls']).toBe(result['inputs']);

    // A typed consumer: tsc must resolve 'distillery' to the package's own declarations.
    writeFileSync(path.join(consumer, 'use.ts'), [
      "import { loadStudent, type Prediction, type RunTaskOptions, type Stage } from 'distillery';",
      "const student = loadStudent('demo-project/student.dstl');",
      "const prediction: Prediction = student.predict('def main():\\n    print(\"hello\")\\n');",
      "const until: Stage = 'train';",
      "const options: Pick<RunTaskOptions, 'until'> = { until };",
      'console.log(JSON.stringify({ known: student.labels.includes(prediction.label), labels: student.labels.length, until: options.until }));',
      '',
    ].join('\n'));
    writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, outDir: 'out',
        // The package's declarations name Node's types; a consumer has @types/node, here the repository's.
        types: ['node'], typeRoots: [path.join(repositoryRoot, 'node_modules/@types')],
      },
      files: ['use.ts'],
    }, null, 2));
    run(process.execPath, [path.join(repositoryRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], 120_000);
    const used = JSON.parse(run(process.execPath, ['out/use.js'], 60_000)) as { known: boolean; labels: number; until: string };
    expect(used).toEqual({ known: true, labels: expect.any(Number), until: 'train' });
    expect(used.labels).toBeGreaterThan(10);
  }, 900_000);
});
