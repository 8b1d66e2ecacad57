import cliProgress from 'cli-progress';
import { FINAL_BATCH_STATUSES } from '../collect/batch-client.js';
import type { BatchEvent } from '../collect/batch-collector.js';
import type { StopReason } from '../pipeline/errors.js';
import type { PipelineEvent } from '../pipeline/events.js';
import { formatUSD } from '../util/money.js';

/** The words after ✖ when a stage stops early; the error line that follows gives the details. */
const STOPPED: Readonly<Record<StopReason, string>> = {
  aborted: 'cancelled',
  budget: 'stopped at the budget',
  'teacher-unreachable': 'stopped: the teacher could not be reached',
  auth: 'stopped: the teacher refused the key',
  'no-data': 'stopped: not enough data',
};

/** Renders pipeline events for people: progress bars on a TTY, plain lines elsewhere. */
export interface ProgressRenderer {
  handle(event: PipelineEvent): void;
  stop(): void;
}

/** JSON lines, one event per line, for scripts (`--json`). */
export function jsonRenderer(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): ProgressRenderer {
  return {
    handle(event) {
      if (event.type === 'collect' && event.event.type === 'answer') return; // one line per call would swamp scripts
      write(JSON.stringify({ ...event, time: new Date().toISOString() }));
    },
    stop() {},
  };
}

/** Human progress on stderr: bars with ETA and cost on a TTY, one line per stage otherwise. */
export function humanRenderer(stream: NodeJS.WriteStream = process.stderr): ProgressRenderer {
  const interactive = stream.isTTY === true;
  let bar: cliProgress.SingleBar | null = null;
  let collectStartedAt = 0;
  // Batch collection: inputs already answered at the start, answers ingested so far, and each job's latest counts.
  let collectBase = 0;
  let ingested = 0;
  let batchJobs: Map<string, { batchId: string; requests: number; status: string; done: number; failed: number; nextPollMs: number | null }> | null = null;
  let evaluateStep: string | null = null;
  // The epoch whose weights are kept (lowest validation loss so far), so the bar ends on the figure the student actually has.
  let best: { epoch: number; agreement: number } | null = null;
  // The language-model student's lowest validation loss so far (its weights are the ones kept).
  let bestLoss: { step: number; loss: number } | null = null;
  const stopBar = () => {
    bar?.stop();
    bar = null;
  };
  const line = (text: string) => stream.write(`${text}\n`);
  const startBar = (format: string, total: number, start: number, payload: Record<string, unknown>) => {
    stopBar();
    if (!interactive) return;
    bar = new cliProgress.SingleBar({ format, stream, hideCursor: true, etaBuffer: 50, fps: 10 }, cliProgress.Presets.shades_classic);
    bar.start(total, start, payload);
  };
  return {
    handle(event) {
      switch (event.type) {
        case 'stage-start':
          stopBar();
          line(`▶ ${event.stage}${event.detail ? `: ${event.detail}` : ''}`);
          break;
        case 'stage-done':
          stopBar();
          line(`✔ ${event.stage}: ${event.summary}`);
          break;
        case 'stage-skip':
          line(`↷ ${event.stage}: skipped, ${event.reason}`);
          break;
        case 'stage-stop':
          stopBar();
          line(`✖ ${event.stage}: ${STOPPED[event.reason]}`);
          break;
        case 'warning':
          if (bar) bar.stop();
          line(`⚠ ${event.stage}: ${event.message}`);
          break;
        case 'task-warning':
          line(`⚠ ${event.text}`);
          break;
        case 'collect':
          handleCollect(event.event);
          break;
        case 'batch':
          handleBatch(event.event);
          break;
        case 'epoch':
          handleEpoch(event);
          break;
        case 'train-progress':
          handleTrainProgress(event);
          break;
        case 'evaluate-progress':
          if (event.step !== undefined && event.step !== evaluateStep && bar) stopBar();
          evaluateStep = event.step ?? evaluateStep;
          if (!bar && event.done < event.total) startBar(`  evaluate |{bar}| {value}/{total} | ${evaluateStep ?? 'scoring'}`, event.total, event.done, {});
          bar?.update(event.done);
          break;
      }
    },
    stop: stopBar,
  };

  function handleEpoch(event: Extract<PipelineEvent, { type: 'epoch' }>): void {
    const { report } = event;
    if (report.epoch === 1) best = null;
    if (report.improved || best === null) best = { epoch: report.epoch, agreement: report.validationAgreement };
    const shownBest = `${best.epoch} (val agreement ${(best.agreement * 100).toFixed(1)}%)`;
    if (!bar) startBar('  train |{bar}| epoch {value}/{total} | loss {loss} | best epoch {best}', event.maxEpochs, 0, { loss: '-', best: '-' });
    bar?.update(report.epoch, { loss: report.trainLoss.toFixed(4), best: shownBest });
    if (!interactive) {
      const kept = report.improved ? ' (best so far: lowest validation loss, kept)' : `; best epoch ${shownBest}`;
      line(`  epoch ${report.epoch}: train loss ${report.trainLoss.toFixed(4)}, val agreement ${(report.validationAgreement * 100).toFixed(1)}%${kept}`);
    }
  }

  function handleTrainProgress(event: Extract<PipelineEvent, { type: 'train-progress' }>): void {
    if (!bar) startBar('  train |{bar}| step {value}/{total} | val loss {loss} | best {best}', event.steps, 0, { loss: '-', best: '-' });
    if (event.improved || bestLoss === null) bestLoss = { step: event.step, loss: event.validationLoss };
    const shownBest = `${bestLoss.loss.toFixed(4)} at step ${bestLoss.step}`;
    bar?.update(event.step, { loss: event.validationLoss.toFixed(4), best: shownBest });
    if (!interactive) line(`  step ${event.step}/${event.steps}: train loss ${event.trainLoss.toFixed(4)}, val loss ${event.validationLoss.toFixed(4)}${event.improved ? ' (best so far, kept)' : `; best ${shownBest}`}`);
  }

  function handleCollect(event: Extract<PipelineEvent, { type: 'collect' }>['event']): void {
    switch (event.type) {
      case 'orphans':
        // At once, before any progress: this run may be killed too, and the notice must not wait for the end.
        line(`⚠ collect: ${event.message}`);
        break;
      case 'start':
        collectStartedAt = performance.now();
        collectBase = event.cached + event.duplicates;
        ingested = 0;
        batchJobs = null;
        startBar('  collect |{bar}| {value}/{total} | ETA {eta_formatted} | {cost} spent | {rate} calls/s', event.total, event.cached + event.duplicates, { cost: '$0', rate: '0.0' });
        if (!interactive) line(`  ${event.total} inputs, ${event.cached} already answered`);
        break;
      case 'answer':
        if (batchJobs !== null) {
          ingested++;
          updateBatchBar();
          break;
        }
        bar?.increment(1, { cost: formatUSD(event.spentUSD), rate: (event.completed / Math.max(1e-3, (performance.now() - collectStartedAt) / 1000)).toFixed(1) });
        break;
      case 'retry':
        if (!interactive) line(`  retry ${event.attempt} in ${Math.round(event.delayMs)} ms: ${event.reason}`);
        break;
      case 'failure':
        if (batchJobs !== null) {
          ingested++;
          updateBatchBar();
        } else {
          bar?.increment(1);
        }
        if (!interactive) line(`  failed: ${event.reason}`);
        break;
      default:
        break;
    }
  }

  /** A Batch API job's news: the bar shows requests run (the batch's own counts until its results are read) and the polling. */
  function handleBatch(event: BatchEvent): void {
    if (batchJobs === null) {
      batchJobs = new Map();
      const total = bar?.getTotal() ?? 0;
      startBar('  collect |{bar}| {value}/{total} | {batches} | {counts} | {poll}', total, collectBase, { batches: '-', counts: '-', poll: '-' });
    }
    if (event.type === 'resubmitted') {
      line(`  batch: ${event.requests} request(s) the expired batch ${event.after ?? ''} did not run, submitted again`);
      return;
    }
    const known = batchJobs.get(event.jobId);
    const job = known ?? { batchId: event.batchId, requests: event.requests, status: event.type === 'found' ? 'found again' : 'submitted', done: 0, failed: 0, nextPollMs: null };
    batchJobs.set(event.jobId, job);
    if (event.type === 'status') {
      Object.assign(job, { batchId: event.batchId, status: event.status, nextPollMs: event.nextPollMs });
      if (event.requestCounts !== null) Object.assign(job, { done: event.requestCounts.completed, failed: event.requestCounts.failed });
    }
    updateBatchBar();
    if (!interactive) {
      const counts = event.type === 'status' ? `, ${job.done}/${job.requests} completed, ${job.failed} failed${job.nextPollMs === null ? '' : `; next poll in ${formatWait(job.nextPollMs)}`}` : `, ${job.requests} request(s)${event.type === 'found' ? ' (created before a restart; polled, not submitted again)' : ''}`;
      line(`  batch ${job.batchId}: ${job.status}${counts}`);
    }
  }

  function updateBatchBar(): void {
    if (batchJobs === null) return;
    const jobs = [...batchJobs.values()];
    const run = jobs.reduce((sum, job) => sum + job.done + job.failed, 0);
    const statuses = [...new Set(jobs.map((job) => job.status))].join(', ');
    const waits = jobs.map((job) => job.nextPollMs).filter((wait): wait is number => wait !== null);
    bar?.update(collectBase + Math.max(run, ingested), {
      batches: `${jobs.length} batch${jobs.length === 1 ? '' : 'es'} ${statuses}`,
      counts: `${jobs.reduce((sum, job) => sum + job.done, 0)} completed, ${jobs.reduce((sum, job) => sum + job.failed, 0)} failed`,
      poll: waits.length > 0 ? `next poll in ${formatWait(Math.min(...waits))}` : ingested > 0 ? `${ingested} results read` : jobs.every((job) => FINAL_BATCH_STATUSES.has(job.status)) ? 'reading the results' : 'polling',
    });
  }
}

/** A wait in ms for people: "250 ms", "30 s", "5 min". */
function formatWait(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
