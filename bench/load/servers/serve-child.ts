/** The child side of bench/load/child.ts: start a server, report its URL, close it when asked. */

/** What a child's start function returns. */
export interface StartedServer {
  url: string;
  close(): Promise<void>;
  /** Extra facts for the parent (an API key, a model name). */
  info?: Record<string, unknown>;
  /** Figures the server gathers while it runs, read (and reset) by the parent between runs. */
  stats?(): Record<string, unknown>;
}

/** Runs `start` with the JSON argument the parent passed, then serves until the parent says stop. */
export async function serveChild(start: (args: Record<string, unknown>) => Promise<StartedServer>): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
  const server = await start(args);
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    server.close().catch(() => undefined).finally(() => process.exit(0));
  };
  process.on('message', (message) => {
    const type = (message as { type?: string }).type;
    if (type === 'stop') stop();
    // CPU time, unlike wall time, stays meaningful on a busy machine: the parent divides it by requests served.
    if (type === 'stats') process.send?.({ type: 'stats', stats: server.stats?.() ?? {} });
    if (type === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: usage.user + usage.system });
    }
  });
  // An orphaned child (parent killed) must not linger holding a port.
  process.on('disconnect', stop);
  process.send?.({ type: 'ready', url: server.url, ...server.info });
}
