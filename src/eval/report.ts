import { formatUSD } from '../util/money.js';
import { confusionHeatmap, escapeXml, horizontalBars, logBars, reliabilityDiagram } from './charts.js';
import { MIN_LABEL_SUPPORT } from './findings.js';
import type { ProportionInterval } from './metrics.js';
import { htmlLists, markdownLists } from './report-lists.js';
import type { EvalReport, GoldScores } from './report-types.js';

export type { CappedList, Disagreement, EvalReport, GoldScores, JunkAnswer, ProportionInterval } from './report-types.js';

const MISSING = '—';
const finite = (value: number) => Number.isFinite(value);
const percent = (value: number) => (finite(value) ? `${(value * 100).toFixed(1)}%` : MISSING);
const ms = (value: number) => (!finite(value) ? MISSING : value < 0.1 ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(value < 10 ? 2 : 0)} ms`);
/** Dollars as plain decimals (never exponent notation): two decimals from $0.10 up, three significant digits below. */
const usd = (value: number) => (finite(value) ? formatUSD(value) : MISSING);
/** Decade tick labels: 1 µs … 100 ms, 1 s …; $0.0000001 … $0.01, $1. */
const msTick = (value: number) => (value < 1 ? `${Math.round(value * 1000)} µs` : value < 1000 ? `${Math.round(value)} ms` : `${Math.round(value / 1000)} s`);
const usdTick = (value: number) => (value >= 1 ? `$${Math.round(value)}` : `$${value.toFixed(Math.min(20, Math.max(1, -Math.floor(Math.log10(value) + 1e-9))))}`);
/** "95% CI 55.2–95.3%": the interval a proportion's figure needs beside it. */
const interval = (value: ProportionInterval) => `${Math.round(value.confidence * 100)}% CI ${(value.lower * 100).toFixed(1)}–${(value.upper * 100).toFixed(1)}%`;
const bytes = (value: number) => (value >= 1 << 20 ? `${(value / (1 << 20)).toFixed(2)} MiB` : `${(value / 1024).toFixed(1)} KiB`);
const count = (value: number) => value.toLocaleString('en-US');
/** Markdown table cells must not contain a raw pipe or newline. */
const cell = (value: string) => value.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The headline rows shared by every renderer: [what, value]. */
export function headline(report: EvalReport): Array<[string, string]> {
  const { counts } = report;
  const rows: Array<[string, string]> = [
    ['inputs (train / val / test)', `${count(counts.inputs)} (${count(counts.train)} / ${count(counts.val)} / ${count(counts.test)}); ${count(counts.duplicates)} duplicates, ${count(counts.junk)} junk answers`],
    ['test examples scored', count(report.testExamples)],
    ['agreement with teacher', `${percent(report.agreement)} (${interval(report.agreementInterval)}, n=${count(report.testExamples)})`],
    ['macro-F1 vs teacher', percent(report.macroF1VsTeacher)],
  ];
  if (report.studentVsGold) rows.push(['student accuracy vs gold', goldScores(report.studentVsGold)]);
  if (report.teacherVsGold) rows.push(['teacher accuracy vs gold', goldScores(report.teacherVsGold)]);
  const eceGold = report.calibration.eceVsGold === undefined ? '' : ` (vs gold ${report.calibration.eceVsGold.toFixed(3)})`;
  rows.push(['calibration error (ECE) vs teacher', `${report.calibration.eceVsTeacher.toFixed(3)}${eceGold}`]);
  const { student, teacher } = report.latency;
  rows.push(['student latency p50 / p99', `${ms(student.p50Ms)} / ${ms(student.p99Ms)}`]);
  if (teacher) rows.push([`teacher latency p50 / p99 (${report.latency.teacherMethod === 'sequential' ? 'one call at a time' : 'as collected'})`, `${ms(teacher.p50Ms)} / ${ms(teacher.p99Ms)}`]);
  if (report.speedupAtP50 !== undefined && finite(report.speedupAtP50)) rows.push(['speed-up at p50 (teacher / student in-process)', speedupText(report.speedupAtP50)]);
  rows.push(['cost per 1k calls: student / teacher', `${usd(report.cost.studentPer1kUSD)} / ${usd(report.cost.teacherPer1kUSD)}`]);
  rows.push(['student size', `${bytes(report.student.bytes)} (${count(report.student.parameters)} parameters)`]);
  if (report.training) {
    const { training } = report;
    rows.push(['training', `best epoch ${training.bestEpoch}/${training.epochs}${training.stoppedEarly ? ' (stopped early)' : ''}, ${training.seconds.toFixed(1)} s, ${count(Math.round(training.examplesPerSecond))} examples/s${training.reused === true ? ' (the saved student, trained by an earlier run)' : ''}`]);
  }
  if (report.collection) {
    const { collection } = report;
    rows.push(['teacher calls (this run / cached)', `${count(collection.calls)} / ${count(collection.cached)}; ${count(collection.junk)} junk, ${count(collection.failed)} failed`]);
    rows.push(['teacher spend (this run / total of budget)', `${usd(collection.spentUSD)} / ${usd(collection.totalSpentUSD)} of ${usd(collection.budgetUSD)}`]);
  }
  return rows;
}

/** A speed-up as people read it: 1,234×, 4.2×, 0.05× (a teacher faster than the student is possible). */
export function speedupText(ratio: number): string {
  if (ratio >= 10) return `${count(Math.round(ratio))}×`;
  if (ratio >= 0.1) return `${ratio.toFixed(1)}×`;
  // Two significant digits as a plain decimal (0.023×), like money: no exponent notation.
  const decimals = Math.min(20, Math.max(2, 1 - Math.floor(Math.log10(ratio > 0 ? ratio : 1))));
  return `${ratio.toFixed(decimals)}×`;
}

function goldScores(scores: GoldScores): string {
  const range = scores.accuracyInterval ? `${interval(scores.accuracyInterval)}, ` : '';
  return `${percent(scores.accuracy)} (${range}macro-F1 ${percent(scores.macroF1)}, n=${count(scores.examples)})`;
}

/** The labels worth naming as weakest: only those with enough test examples for their F1 to mean something. */
function weakestLabels(report: EvalReport): string {
  const scored = report.perClass.filter((row) => row.support > 0);
  const weakest = scored.filter((row) => row.support >= MIN_LABEL_SUPPORT).sort((a, b) => a.f1 - b.f1 || b.support - a.support).slice(0, 3);
  if (weakest.length > 0) return weakest.map((row) => `${row.label} ${percent(row.f1)} (n=${row.support})`).join(', ');
  return scored.length === 0 ? '' : `none named: no label has ${MIN_LABEL_SUPPORT} test examples (per-label n in the report)`;
}

/** A compact aligned table for a terminal (plain text, no colours). */
export function renderTerminal(report: EvalReport): string {
  const rows = headline(report);
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = [`Distillery report: ${report.task} (${report.studentKind} student of ${report.teacherModel})`, ...report.warnings.map((warning) => `  ⚠ ${warning}`), ...rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`)];
  // The weakest labels are what a user acts on next (more data, clearer prompt); the rest is in the HTML.
  const weakest = weakestLabels(report);
  if (weakest !== '') lines.push(`  ${'weakest labels (F1 vs teacher)'.padEnd(width)}  ${weakest}`);
  return lines.join('\n');
}

/** The report as Markdown: headline, per-label scores and (for up to 12 labels) the confusion matrix. */
export function renderMarkdown(report: EvalReport): string {
  const lines = [`# Distillery report: ${report.task}`, '', `${report.studentKind} student distilled from \`${report.teacherModel}\`, ${report.createdAt}.`, ''];
  for (const warning of report.warnings) lines.push(`> ⚠ ${warning}`, '');
  lines.push('| measure | value |', '|---|---|');
  for (const [name, value] of headline(report)) lines.push(`| ${cell(name)} | ${cell(value)} |`);
  lines.push('', '## Per label (student vs teacher, test split)', '', '| label | precision | recall | F1 | n (test examples) |', '|---|---|---|---|---|');
  for (const row of report.perClass) lines.push(`| ${cell(row.label)} | ${percent(row.precision)} | ${percent(row.recall)} | ${percent(row.f1)} | ${row.support} |`);
  const { confusion } = report;
  if (confusion.labels.length > 0 && confusion.labels.length <= 12) {
    lines.push('', `## Confusion matrix (rows: ${confusion.reference}, columns: student)`, '', `| | ${confusion.labels.map(cell).join(' | ')} |`, `|---|${confusion.labels.map(() => '---:').join('|')}|`);
    confusion.matrix.forEach((row, index) => lines.push(`| **${cell(confusion.labels[index] ?? '')}** | ${row.join(' | ')} |`));
  }
  lines.push(...markdownLists(report));
  lines.push('', costNote(report));
  return `${lines.join('\n')}\n`;
}

/** A self-contained HTML page with inline SVG charts (no scripts, no external assets). */
export function renderHtml(report: EvalReport): string {
  const table = headline(report).map(([name, value]) => `<tr><th>${escapeXml(name)}</th><td>${escapeXml(value)}</td></tr>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Distillery report: ${escapeXml(report.task)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse}th,td{padding:4px 10px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}th{font-weight:500;color:#555}.charts{display:flex;flex-wrap:wrap;gap:28px;align-items:flex-start;margin-top:1.5em}figure{margin:0}.note{color:#555;font-size:0.9em}.warning{background:#fff4d6;border-left:4px solid #e0a800;padding:6px 10px}table.list td{font-size:0.9em}table.list code{white-space:pre-wrap;word-break:break-all}</style></head>
<body><h1>Distillery report: ${escapeXml(report.task)}</h1><p>${escapeXml(report.studentKind)} student distilled from <code>${escapeXml(report.teacherModel)}</code>, ${escapeXml(report.createdAt)}.</p>
${report.warnings.map((warning) => `<p class="warning">⚠ ${escapeXml(warning)}</p>`).join('')}
<table>${table}</table>
<div class="charts">${charts(report).map((chart) => `<figure>${chart}</figure>`).join('')}</div>
${htmlLists(report)}
<p class="note">${escapeXml(costNote(report))}</p>
</body></html>\n`;
}

function charts(report: EvalReport): string[] {
  const { calibration, confusion, latency, cost } = report;
  const result = [
    confusionHeatmap(confusion.labels, confusion.matrix, confusion.reference),
    reliabilityDiagram(calibration.bins, `Reliability vs teacher (ECE ${calibration.eceVsTeacher.toFixed(3)})`),
  ];
  if (calibration.binsVsGold) result.push(reliabilityDiagram(calibration.binsVsGold, `Reliability vs gold (ECE ${calibration.eceVsGold?.toFixed(3) ?? MISSING})`));
  const scored = report.perClass.filter((row) => row.support > 0);
  if (scored.length > 0) {
    result.push(horizontalBars(scored.map((row) => ({ label: `${row.label} (n=${row.support})`, value: row.f1 })), 'F1 per label vs teacher', { max: 1, format: percent, axisLabel: 'F1' }));
  }
  const latencyItems = [{ label: 'student p50', value: latency.student.p50Ms }, { label: 'student p99', value: latency.student.p99Ms }];
  if (latency.teacher) latencyItems.push({ label: 'teacher p50', value: latency.teacher.p50Ms }, { label: 'teacher p99', value: latency.teacher.p99Ms });
  result.push(logBars(latencyItems, 'Latency per call: student vs teacher', { format: ms, tickFormat: msTick, axisLabel: 'milliseconds' }));
  result.push(logBars([{ label: 'student', value: cost.studentPer1kUSD }, { label: 'teacher', value: cost.teacherPer1kUSD }], 'Cost per 1,000 calls', { format: usd, tickFormat: usdTick, axisLabel: 'USD' }));
  return result;
}

function costNote(report: EvalReport): string {
  return `Student cost per call is its measured CPU time priced at $${report.cost.cpuHourUSD} per vCPU-hour; teacher cost comes from recorded token usage (${report.cost.priceSource} prices). ${report.latency.teacherMethod === 'sequential'
    ? 'Teacher latency was timed one call at a time over HTTP (no queueing); the speed-up divides its p50 by the student\'s in-process p50.'
    : 'Teacher latency is as collected (network and queueing at the configured concurrency included); the speed-up divides its p50 by the student\'s in-process p50.'}`;
}
