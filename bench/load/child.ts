/**
 * Servers under load run in child processes, so the server being measured never shares an event
 * loop (or a core's time slice) with the load generator. A child announces itself over IPC with
 * `{ type: 'ready', url, ...info }` and exits when told `{ type: 'stop' }`.
 * With `profileDir`, the child runs under `node --cpu-prof` and writes its profile there on exit.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A running child server. */
export interface ChildServer {
  /** The server's base URL (ending in /v1 for OpenAI-compatible servers). */
  url: string;
  /** Whatever else the child reported when it became ready (e.g. an API key). */
  info: Record<string, unknown>;
  /** The child's process id (for `perf` or `strace` by hand). */
  pid: number;
  /** The child's CPU time so far (user + system), in microseconds. */
  cpuMicros(): Promise<number>;
  /** The figures the child's server gathered since the last call (empty when it gathers none). */
  stats(): Promise<Record<string, unknown>>;
  /** Asks the child to close its server and exit; resolves once it has. */
  stop(): Promise<void>;
}

/** How to start a child server. */
export interface ChildOptions {
  /** File name under bench/load/servers/ (e.g. 'constant-chat.ts'), or an absolute path. */
  script: string;
  /** Passed to the child as one JSON argument. */
  args?: Record<string, unknown>;
  /** Folder for a `--cpu-prof` profile of the child; none when absent. */
  profileDir?: string | null;
  /** Extra Node flags for the child (e.g. --perf-basic-prof for `perf`). */
  execArgv?: readonly string[];
  /** Readiness deadline in ms; default 60 s (a student is trained first). */
  readyTimeoutMs?: number;
}

/** Waits for the child's exit, killing it when it does not leave within `graceMs`. */
function exited(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Starts `script` in a child Node process and resolves once it reports its URL. */
export async function startChild(options: ChildOptions): Promise<ChildServer> {
  const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const child = fork(path.resolve(here, 'servers', options.script), [JSON.stringify(options.args ?? {})], {
    execArgv: ['--import', 'tsx', ...profile, ...(options.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.script} did not start within ${options.readyTimeoutMs ?? 60_000} ms`)), options.readyTimeoutMs ?? 60_000);
    child.once('exit', (code) => reject(new Error(`${options.script} exited with code ${code} before it was ready`)));
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as Record<string, unknown>);
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  child.removeAllListeners('exit');
  const { type: _type, url, ...info } = ready;
  return {
    url: String(url),
    info,
    pid: child.pid ?? -1,
    cpuMicros: () => new Promise((resolve) => {
      const onMessage = (message: unknown): void => {
        if ((message as { type?: string }).type !== 'cpu') return;
        child.off('message', onMessage);
        resolve(Number((message as { micros: number }).micros));
      };
      child.on('message', onMessage);
      child.send({ type: 'cpu' });
    }),
    stats: () => new Promise((resolve) => {
      const onMessage = (message: unknown): void => {
        if ((message as { type?: string }).type !== 'stats') return;
        child.off('message', onMessage);
        resolve((message as { stats: Record<string, unknown> }).stats);
      };
      child.on('message', onMessage);
      child.send({ type: 'stats' });
    }),
    stop: async () => {
      if (child.connected) child.send({ type: 'stop' });
      await exited(child, 10_000);
    },
  };
}
