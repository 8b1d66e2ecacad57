/** The p-value curve of a trace as a small SVG: log10 p against distinct tuples scored, with the target marked. */
import { lineChart } from '../eval/charts.js';
import type { TracePoint } from './trace-score.js';

/** An SVG line chart of log10 p against tuples scored. */
export function traceChart(curve: readonly TracePoint[], targetP: number, title: string): string {
  const points = curve.map((point) => ({ x: point.scored, y: point.log10P }));
  const lowest = Math.min(Math.log10(targetP), ...points.map((point) => point.y));
  return lineChart([{ name: 'log10 p', points }], title, {
    xLabel: 'distinct tuples scored', yLabel: 'log10 p-value', yRange: [Math.floor(lowest) - 1, 0],
    yMarks: [{ at: Math.log10(targetP), label: `target p = ${targetP}` }, { at: -3, label: 'p = 1e-3' }],
  });
}

/** The curve as a plain-text table (at most `rows` rows, evenly spaced, the last always included). */
export function traceTable(curve: readonly TracePoint[], rows = 12): string {
  const step = Math.max(1, Math.ceil(curve.length / rows));
  const chosen = curve.filter((_, index) => index % step === step - 1 || index === curve.length - 1);
  const lines = chosen.map((point) => `${String(point.answers).padStart(8)} ${String(point.tokens).padStart(8)} ${String(point.scored).padStart(8)}   ${point.log10P.toFixed(2).padStart(8)}`);
  return [`${'answers'.padStart(8)} ${'tokens'.padStart(8)} ${'scored'.padStart(8)}   ${'log10 p'.padStart(8)}`, ...lines].join('\n');
}
