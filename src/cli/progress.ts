import cliProgress from 'cli-progress';
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
        startBar('  collect |{bar}| {value}/{total} | ETA {eta_formatted} | {cost} spent | {rate} calls/s', event.total, event.cached + event.duplicates, { cost: '$0', rate: '0.0' });
        if (!interactive) line(`  ${event.total} inputs, ${event.cached} already answered`);
        break;
      case 'answer':
        bar?.increment(1, { cost: formatUSD(event.spentUSD), rate: (event.completed / Math.max(1e-3, (performance.now() - collectStartedAt) / 1000)).toFixed(1) });
        break;
      case 'retry':
        if (!interactive) line(`  retry ${event.attempt} in ${Math.round(event.delayMs)} ms: ${event.reason}`);
        break;
      case 'failure':
        bar?.increment(1);
        if (!interactive) line(`  failed: ${event.reason}`);
        break;
      default:
        break;
    }
  }
}
