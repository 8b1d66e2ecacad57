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
  const store = new CaptureStore(file);
  const proxy = await startCaptureProxy({ upstream: String(args['upstreamUrl']), store });
  return {
    url: proxy.url,
    info: { file },
    close: async () => {
      await proxy.close();
      await store.close();
    },
  };
});
