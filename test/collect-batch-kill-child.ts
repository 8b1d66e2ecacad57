/**
 * The batch collection that the kill test SIGKILLs while it polls: the real SQLite store and the
 * official openai client against the scripted Batch API server.
 * Usage: node --import tsx test/collect-batch-kill-child.ts <db> <baseURL> <inputs>
 * Prints one JSON line per batch event.
 */
import { collectBatch } from '../src/collect/batch-collector.js';
import { openSqliteStore } from '../src/store/index.js';
import { batchTestInputs, batchTestOptions } from './collect-batch-fixture.js';

async function main(): Promise<void> {
  const [file, baseURL, count] = process.argv.slice(2);
  if (file === undefined || baseURL === undefined || count === undefined) throw new Error('usage: collect-batch-kill-child.ts <db> <baseURL> <inputs>');
  const store = openSqliteStore(file);
  try {
    const options = batchTestOptions(store, baseURL, batchTestInputs(Number(count)), {
      batch: { baseURL, apiKey: 'sk-batch-test', pollIntervalMs: 20, maxPollIntervalMs: 20, maxRetries: 2 },
      onBatch: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
    });
    // Real waits between polls: the parent kills this process while it waits.
    delete options.sleep;
    await collectBatch(options);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
