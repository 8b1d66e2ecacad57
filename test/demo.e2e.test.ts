/**
 * The offline demo end to end, as `npm run demo` runs it (heavier: behind DISTILLERY_E2E=1, which CI sets).
 * A second run must reuse every teacher answer from the cache. It runs on 1,500 snippets rather than the
 * default 6,000, so that CI stays short; the full-size figures are the README's, measured by `npm run demo`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';

const enabled = process.env['DISTILLERY_E2E'] === '1';
const SMALL = ['--limit', '1500', '--latency-samples', '30'];
const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-demo-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function lastJson(stdout: string): Record<string, number> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, number>;
}

describe.skipIf(!enabled)('distillery demo (end to end)', () => {
  it('distils the language detector and prints the figures as the last JSON line', async () => {
    const first = await runCli(['demo', '--json', '--dir', folder, ...SMALL]);
    expect(first.code, first.stderr).toBe(0);
    const result = lastJson(first.stdout);
    for (const key of ['agreement', 'accuracyVsGold', 'teacherMsPerCall', 'studentMsPerCall', 'speedup', 'studentBytes', 'teacherCalls', 'wallSeconds']) {
      expect(typeof result[key], key).toBe('number');
    }
    expect(result['teacherCalls']).toBeGreaterThan(1000);
    expect(result['agreement']).toBeGreaterThan(0.7);
    expect(result['accuracyVsGold']).toBeGreaterThan(0.6);
    expect(result['speedup']).toBeGreaterThan(10);
    expect(result['studentBytes']).toBeLessThan(result['teacherBytes'] ?? 0);

    const second = await runCli(['demo', '--json', '--dir', folder, ...SMALL]);
    expect(second.code, second.stderr).toBe(0);
    const again = lastJson(second.stdout);
    expect(again['teacherCalls']).toBe(0);
    expect(again['cachedAnswers']).toBe(result['teacherCalls']);
  }, 600_000);
});
