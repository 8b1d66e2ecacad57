import cliProgress from 'cli-progress';
import type { PipelineEvent } from '../pipeline/events.js';

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
          if (!bar) startBar('  train |{bar}| epoch {value}/{total} | loss {loss} | val agreement {agreement}', event.maxEpochs, 0, { loss: '-', agreement: '-' });
          bar?.update(event.report.epoch, { loss: event.report.trainLoss.toFixed(4), agreement: `${(event.report.validationAgreement * 100).toFixed(1)}%` });
          if (!interactive) line(`  epoch ${event.report.epoch}: train loss ${event.report.trainLoss.toFixed(4)}, val agreement ${(event.report.validationAgreement * 100).toFixed(1)}%`);
          break;
        case 'evaluate-progress':
          if (!bar && event.done < event.total) startBar('  evaluate |{bar}| {value}/{total}', event.total, event.done, {});
          bar?.update(event.done);
          break;
      }
    },
    stop: stopBar,
  };

  function handleCollect(event: Extract<PipelineEvent, { type: 'collect' }>['event']): void {
    switch (event.type) {
      case 'orphans':
        // At once, before any progress: this run may be killed too, and the notice must not wait for the end.
        line(`⚠ collect: ${event.message}`);
        break;
      case 'start':
        collectStartedAt = performance.now();
        startBar('  collect |{bar}| {value}/{total} | ETA {eta_formatted} | ${cost} spent | {rate} calls/s', event.total, event.cached + event.duplicates, { cost: '0.0000', rate: '0.0' });
        if (!interactive) line(`  ${event.total} inputs, ${event.cached} already answered`);
        break;
      case 'answer':
        bar?.increment(1, { cost: event.spentUSD.toFixed(4), rate: (event.completed / Math.max(1e-3, (performance.now() - collectStartedAt) / 1000)).toFixed(1) });
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
