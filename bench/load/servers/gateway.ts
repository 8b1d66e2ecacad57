/**
 * The guard gateway as `distillery guard serve` runs it: a fresh SQLite guard store in a temporary
 * folder, one issued key, the gateway in front of `args.upstreamUrl`.
 * The key's tier never throttles or blocks (a load test from one key would otherwise be throttled
 * after a few hundred requests), so every request is scored by the detectors and forwarded.
 * `args.detectors`: 'gateway-default' (what startGateway uses when given none) or 'full'
 * (`defaultDetectors()` from src/guard/detectors/index.ts, when that module exists).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKey, DEFAULT_DETECTOR_NAMES, openSqliteGuardStore, startGateway, type Detector } from '../../../src/guard/index.js';
import { serveChild } from './serve-child.js';

const detectorsModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/guard/detectors/index.ts');

/** The detector set asked for: undefined leaves the gateway's own default. */
async function detectors(choice: unknown): Promise<readonly Detector[] | undefined> {
  if (choice !== 'full') return undefined;
  if (!existsSync(detectorsModule)) throw new Error(`--guard-detectors=full needs ${detectorsModule}, which does not exist yet`);
  const module = (await import(detectorsModule)) as { defaultDetectors?: () => readonly Detector[] };
  if (typeof module.defaultDetectors !== 'function') throw new Error(`${detectorsModule} exports no defaultDetectors()`);
  return module.defaultDetectors();
}

await serveChild(async (args) => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-bench-guard-'));
  const store = openSqliteGuardStore(path.join(folder, 'guard.db'));
  const { secret } = await createKey(store, { name: 'bench', tier: 'bench' });
  const chosen = await detectors(args['detectors']);
  const gateway = await startGateway({
    upstreamUrl: String(args['upstreamUrl']), store, ...(chosen === undefined ? {} : { detectors: chosen }),
    policy: { tiers: { bench: { throttleAt: null, blockAt: null } } },
  });
  // Without a choice the gateway builds its own default set: every harvesting detector.
  const names = chosen?.map((detector) => detector.name) ?? [...DEFAULT_DETECTOR_NAMES];
  return {
    url: gateway.url,
    info: { apiKey: secret, detectors: names },
    close: async () => {
      await gateway.close();
      await store.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
});
