/**
 * The extract demo's teacher timed over HTTP on 200 corpus sentences (behind DISTILLERY_E2E=1, which
 * CI sets). The figures are printed for the record, never compared with a threshold: wall-clock
 * speed depends on the machine.
 */
import { describe, expect, it } from 'vitest';
import { timeExtractTeacher } from '../src/demo/extract-teacher-timing.js';
import { buildSentenceCorpus } from '../src/demo/sentence-corpus.js';

const enabled = process.env['DISTILLERY_E2E'] === '1';

describe.skipIf(!enabled)('extract teacher timing (end to end)', () => {
  it('times 200 sentences through the openai client and prints ms per call', async () => {
    const sentences = (await buildSentenceCorpus({ limit: 200 })).map((item) => item.text);
    const timing = await timeExtractTeacher(sentences);
    process.stdout.write(
      `extract teacher over HTTP, ${timing.calls} sentences: p50 ${timing.latency.p50Ms.toFixed(2)} ms, p99 ${timing.latency.p99Ms.toFixed(2)} ms per call; ` +
        `${timing.modelMsPerCall.toFixed(2)} ms inside compromise; ${timing.throughputPerSecond.toFixed(0)} calls/s with ${timing.concurrency} in flight\n`,
    );
    expect(timing.calls).toBe(200);
    expect(timing.latency.samples).toBe(200);
    expect(timing.completionTokensPerCall).toBeGreaterThan(0);
  });
});
