/**
 * The capture proxy as `distillery capture` runs it: a fresh capture store in a temporary folder
 * (its path reported, so the parent can count the rows), the proxy in front of `args.upstreamUrl`.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CaptureStore, startCaptureProxy } from '../../../src/capture/index.js';
import { serveChild } from './serve-child.js';

await serveChild(async (args) => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'distillery-bench-capture-')), 'capture.sqlite');
  // CPU each group commit holds the event loop for (µs): what recording costs the answers waiting behind it.
  let commits: number[] = [];
  let rows = 0;
  const store = new CaptureStore(file, { onCommit: (count, cpuMicros) => { commits.push(cpuMicros); rows += count; } });
  const proxy = await startCaptureProxy({ upstream: String(args['upstreamUrl']), store });
  return {
    url: proxy.url,
    info: { file },
    stats: () => {
      const sorted = [...commits].sort((a, b) => a - b);
      const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? Number.NaN;
      const result = { commits: sorted.length, rows, p50Micros: at(0.5), p99Micros: at(0.99), maxMicros: sorted.at(-1) ?? Number.NaN };
      commits = [];
      rows = 0;
      return result;
    },
    close: async () => {
      await proxy.close();
      await store.close();
    },
  };
});
