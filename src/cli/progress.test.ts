import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { PipelineEvent } from '../pipeline/events.js';
import type { EpochReport } from '../student/types.js';
import type { CollectEvent } from '../collect/events.js';
import { humanRenderer, jsonRenderer } from './progress.js';

/** A stream that says it is a terminal, collecting what is written (escape codes stripped). */
function terminal(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 160 });
  let written = '';
  stream.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
  // eslint-disable-next-line no-control-regex
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => written.replace(/\u001b\[[0-9;?]*[A-Za-z]/gu, '') };
}

function render(events: readonly PipelineEvent[], isTTY = true): string {
  const { stream, text } = terminal(isTTY);
  const renderer = humanRenderer(stream);
  for (const event of events) renderer.handle(event);
  renderer.stop();
  return text();
}

const epoch = (number: number, agreement: number, improved: boolean): PipelineEvent => ({
  type: 'epoch', maxEpochs: 10, report: { epoch: number, trainLoss: 1 / number, validationLoss: 1, validationAgreement: agreement, improved, seconds: 0.1 } satisfies EpochReport,
});

describe('humanRenderer', () => {
  it('ends the evaluate bar full', () => {
    const text = render([
      { type: 'stage-start', stage: 'evaluate', detail: '450 test examples' },
      ...[0, 200, 400, 450].map((done): PipelineEvent => ({ type: 'evaluate-progress', step: 'scoring', done, total: 450 })),
      { type: 'stage-done', stage: 'evaluate', summary: 'agreement 84.5%' },
    ]);
    expect(text).toContain('450/450 | scoring');
    expect(text).toContain('✔ evaluate: agreement 84.5%');
  });

  it('starts a new evaluate bar for timing the teacher', () => {
    const text = render([
      { type: 'evaluate-progress', step: 'scoring', done: 0, total: 20 },
      { type: 'evaluate-progress', step: 'scoring', done: 20, total: 20 },
      { type: 'evaluate-progress', step: 'timing the teacher', done: 0, total: 5 },
      { type: 'evaluate-progress', step: 'timing the teacher', done: 5, total: 5 },
    ]);
    expect(text).toContain('20/20 | scoring');
    expect(text).toContain('5/5 | timing the teacher');
  });

  it('shows the best epoch on the train bar, not the last one', () => {
    const text = render([epoch(1, 0.8, true), epoch(2, 0.85, true), epoch(3, 0.7, false), { type: 'stage-done', stage: 'train', summary: 'best epoch 2/3' }]);
    const finalBar = text.split('\n').filter((line) => line.includes('train |')).at(-1) ?? '';
    expect(finalBar).toContain('epoch 3/10');
    expect(finalBar).toContain('best epoch 2 (val agreement 85.0%)');
    expect(finalBar).not.toContain('70.0%');
  });

  it('says which epoch is the best on a plain (non-terminal) stream', () => {
    const text = render([epoch(1, 0.8, true), epoch(2, 0.7, false)], false);
    expect(text).toContain('epoch 1: train loss 1.0000, val agreement 80.0% (best so far: lowest validation loss, kept)');
    expect(text).toContain('epoch 2: train loss 0.5000, val agreement 70.0%; best epoch 1 (val agreement 80.0%)');
  });

  it('forgets the best epoch of an earlier training', () => {
    const text = render([epoch(1, 0.9, true), { type: 'stage-done', stage: 'train', summary: 'done' }, epoch(1, 0.6, true)]);
    expect(text.split('\n').filter((line) => line.includes('train |')).at(-1)).toContain('best epoch 1 (val agreement 60.0%)');
  });

  it('prints money spent as plain decimals', () => {
    const text = render([
      { type: 'collect', event: { type: 'start', total: 2, cached: 0, duplicates: 0, failedBefore: 0, toCall: 2, budgetUSD: 1, ledger: { committedUSD: 0, orphanedUSD: 0, reservedUSD: 0 }, orphansRecovered: { count: 0, usd: 0, calls: [] } } },
      { type: 'collect', event: { type: 'answer', inputId: 'a', cacheKey: 'k', kind: 'label', label: 'x', costUSD: 1.34e-6, latencyMs: 1, attempts: 1, completed: 1, toCall: 2, spentUSD: 1.34e-6 } },
    ]);
    expect(text).toContain('$0.00000134 spent');
    expect(text).not.toMatch(/\de-\d/u);
  });

  it('shows a Batch API job\'s status, request counts and polling, on the bar and as plain lines', () => {
    const start: PipelineEvent = { type: 'collect', event: { type: 'start', total: 12, cached: 2, duplicates: 0, failedBefore: 0, toCall: 10, budgetUSD: 1, ledger: { committedUSD: 0, orphanedUSD: 0, reservedUSD: 0 }, orphansRecovered: { count: 0, usd: 0, calls: [] } } };
    const status = (state: string, completed: number, failed: number, nextPollMs: number | null): PipelineEvent => ({
      type: 'batch', event: { type: 'status', jobId: 'job-1', batchId: 'batch_abc', status: state, requests: 10, requestCounts: { total: 10, completed, failed }, nextPollMs },
    });
    const events: PipelineEvent[] = [
      start, { type: 'batch', event: { type: 'submitted', jobId: 'job-1', batchId: 'batch_abc', requests: 10 } },
      status('in_progress', 4, 1, 30_000), status('completed', 9, 1, null),
    ];
    // The bar redraws at most 10 times a second, so only its last state is sure to be drawn.
    expect(render(events.slice(0, 3))).toContain('7/12 | 1 batch in_progress | 4 completed, 1 failed | next poll in 30 s');
    expect(render(events)).toContain('12/12 | 1 batch completed | 9 completed, 1 failed | reading the results');
    const plain = render(events, false);
    expect(plain).toContain('  batch batch_abc: submitted, 10 request(s)\n');
    expect(plain).toContain('  batch batch_abc: in_progress, 4/10 completed, 1 failed; next poll in 30 s\n');
    expect(plain).toContain('  batch batch_abc: completed, 9/10 completed, 1 failed\n');
    const lines: string[] = [];
    const json = jsonRenderer((line) => lines.push(line));
    for (const event of events) json.handle(event);
    expect(lines.map((line) => JSON.parse(line) as { type: string; event: { type: string } }).filter((line) => line.type === 'batch').map((line) => line.event.type)).toEqual(['submitted', 'status', 'status']);
  });

  it('marks a stopped stage with ✖ and the reason, never ✔', () => {
    const text = render([{ type: 'stage-stop', stage: 'collect', reason: 'aborted' }], false);
    expect(text).toBe('✖ collect: cancelled\n');
  });
});


/** A non-TTY stream that keeps what is written. */
function memoryStream(): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY: false, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

const orphans: Extract<CollectEvent, { type: 'orphans' }> = {
  type: 'orphans', count: 2, usd: 0.5, calls: [], message: '2 call(s) were in flight when an earlier run stopped; they may have been billed, so $0.500 is counted as spent.',
};

describe('progress renderers', () => {
  it('tell at once about calls an earlier run left in flight, on stderr and as a JSON line', () => {
    const { stream, written } = memoryStream();
    humanRenderer(stream).handle({ type: 'collect', event: orphans });
    expect(written).toEqual([`⚠ collect: ${orphans.message}\n`]);
    const lines: string[] = [];
    jsonRenderer((line) => lines.push(line)).handle({ type: 'collect', event: orphans });
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ type: 'collect', event: { type: 'orphans', count: 2, usd: 0.5 } });
  });
});
