import { describe, expect, it } from 'vitest';
import { startAuditRetention } from './audit-retention.js';
import { sampleAudit } from './guard-store-conformance.js';
import { createKey } from './key-registry.js';
import { openSqliteGuardStore } from './sqlite-guard-store.js';

describe('audit retention', () => {
  it('deletes rows older than the retention in batches and keeps the newer ones', async () => {
    const store = openSqliteGuardStore(':memory:');
    const { key } = await createKey(store, { name: 'acme' });
    const day = 86_400_000;
    const clock = { now: 100 * day };
    for (let index = 0; index < 25; index += 1) await store.appendAudit(sampleAudit(clock.now - 40 * day + index, key.id));
    for (let index = 0; index < 3; index += 1) await store.appendAudit(sampleAudit(clock.now - day + index, key.id));
    await store.appendAudit(sampleAudit(clock.now - 40 * day, null));
    const retention = startAuditRetention(store, { retentionMs: 30 * day, batchSize: 4, intervalMs: 3_600_000, now: () => clock.now });
    try {
      await retention.pruneNow();
      const kept = await store.listAudit({ limit: 100 });
      expect(kept.map((entry) => entry.at)).toEqual([clock.now - day + 2, clock.now - day + 1, clock.now - day]);
      clock.now += 30 * day;
      expect(await retention.pruneNow()).toBe(3);
      expect(await store.listAudit()).toEqual([]);
    } finally {
      await retention.stop();
      await store.close();
    }
  });
});
