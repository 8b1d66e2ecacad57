import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repositoryRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/** tsx's loader by absolute URL, so a CLI child started in any folder (not only the repository) finds it. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** The result of one CLI invocation. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `distillery …` from the TypeScript sources (no build needed) and waits for it to exit. */
export function runCli(args: readonly string[], options: CliOptions & { input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Where and as whom the CLI runs; `user` (a uid, its gid the same) needs the test to run as root. */
export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  user?: number;
}

/** Starts `distillery …` from the sources and returns the child process. */
export function spawnCli(args: readonly string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, ['--import', tsxLoader, path.join(repositoryRoot, 'src/cli/main.ts'), ...args], {
    cwd: options.cwd ?? repositoryRoot,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.user === undefined ? {} : { uid: options.user, gid: options.user }),
  });
}

/** A listening CLI child (`serve`, `route`) started by `startCliServer`: the process, its base URL, and its stderr up to the banner. */
export interface CliServer {
  child: ChildProcess;
  url: string;
  banner: string;
}

/**
 * Starts `distillery …args` (a command that listens) and resolves once its stderr matches `banner`,
 * whose first group is the base URL; rejects with everything it printed if it exits first. The caller
 * stops it (`child.kill('SIGTERM')`, in a finally).
 */
export function startCliServer(args: readonly string[], banner: RegExp = /at (http:\/\/\S+\/v1)/, options: CliOptions = {}): Promise<CliServer> {
  const child = spawnCli(args, options);
  return new Promise<CliServer>((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const url = banner.exec(stderr)?.[1];
      if (url !== undefined) resolve({ child, url, banner: stderr });
    });
    child.on('exit', (code) => reject(new Error(`${args[0] ?? 'distillery'} exited with ${code}: ${stderr}`)));
  });
}

/** The JSON lines printed on stdout. */
export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout.split('\n').filter((line) => line.trim().startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}
