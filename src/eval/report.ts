import { confusionHeatmap, horizontalBars, reliabilityDiagram } from './charts.js';
import type { EvalReport } from './report-types.js';

export type { EvalReport, GoldScores } from './report-types.js';

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const ms = (value: number) => (value < 0.1 ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(value < 10 ? 2 : 0)} ms`);
const usd = (value: number) => (value === 0 ? '$0' : value < 0.01 ? `$${value.toExponential(2)}` : `$${value.toFixed(2)}`);
const bytes = (value: number) => (value >= 1 << 20 ? `${(value / (1 << 20)).toFixed(2)} MiB` : `${(value / 1024).toFixed(1)} KiB`);

/** The headline rows shared by every renderer: [what, value]. */
export function headline(report: EvalReport): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['test examples', String(report.testExamples)],
    ['agreement with teacher', percent(report.agreement)],
    ['macro-F1 vs teacher', percent(report.macroF1VsTeacher)],
  ];
  if (report.studentVsGold) rows.push(['student accuracy vs gold', `${percent(report.studentVsGold.accuracy)} (macro-F1 ${percent(report.studentVsGold.macroF1)}, n=${report.studentVsGold.examples})`]);
  if (report.teacherVsGold) rows.push(['teacher accuracy vs gold', `${percent(report.teacherVsGold.accuracy)} (macro-F1 ${percent(report.teacherVsGold.macroF1)})`]);
  rows.push(['calibration error (ECE) vs teacher', report.calibration.eceVsTeacher.toFixed(3)]);
  rows.push(['student latency p50 / p99', `${ms(report.latency.student.p50Ms)} / ${ms(report.latency.student.p99Ms)}`]);
  if (report.latency.teacher) rows.push(['teacher latency p50 / p99 (as collected)', `${ms(report.latency.teacher.p50Ms)} / ${ms(report.latency.teacher.p99Ms)}`]);
  rows.push(['cost per 1k calls: student / teacher', `${usd(report.cost.studentPer1kUSD)} / ${usd(report.cost.teacherPer1kUSD)}`]);
  rows.push(['student size', `${bytes(report.student.bytes)} (${report.student.parameters.toLocaleString('en-US')} parameters)`]);
  if (report.collection) rows.push(['teacher calls (this run / cached)', `${report.collection.calls} / ${report.collection.cached}, spent ${usd(report.collection.totalSpentUSD)} of ${usd(report.collection.budgetUSD)}`]);
  if (report.training) rows.push(['training', `best epoch ${report.training.bestEpoch}/${report.training.epochs}, ${report.training.seconds.toFixed(1)} s, ${Math.round(report.training.examplesPerSecond).toLocaleString('en-US')} examples/s`]);
  return rows;
}

/** A compact aligned table for a terminal. */
export function renderTerminal(report: EvalReport): string {
  const rows = headline(report);
  const width = Math.max(...rows.map(([name]) => name.length));
  return [`Distillery report: ${report.task} (${report.studentKind} student of ${report.teacherModel})`, ...rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`)].join('\n');
}

/** The report as Markdown. */
export function renderMarkdown(report: EvalReport): string {
  const lines = [`# Distillery report: ${report.task}`, '', `${report.studentKind} student distilled from \`${report.teacherModel}\`, ${report.createdAt}.`, '', '| measure | value |', '|---|---|'];
  for (const [name, value] of headline(report)) lines.push(`| ${name} | ${value} |`);
  lines.push('', '## Per label (student vs teacher, test split)', '', '| label | precision | recall | F1 | support |', '|---|---|---|---|---|');
  for (const row of report.perClass) lines.push(`| ${row.label} | ${percent(row.precision)} | ${percent(row.recall)} | ${percent(row.f1)} | ${row.support} |`);
  lines.push('', `Student cost per call is its measured CPU time priced at $${report.cost.cpuHourUSD} per vCPU-hour; teacher cost comes from recorded token usage (${report.cost.priceSource} prices).`);
  return `${lines.join('\n')}\n`;
}

/** A self-contained HTML page with inline SVG charts. */
export function renderHtml(report: EvalReport): string {
  const escape = (text: string) => text.replace(/[&<>"]/g, (character) => `&#${character.charCodeAt(0)};`);
  const table = headline(report).map(([name, value]) => `<tr><th>${escape(name)}</th><td>${escape(value)}</td></tr>`).join('');
  const f1Bars = horizontalBars(
    report.perClass.filter((row) => row.support > 0).map((row) => ({ label: `${row.label} (${row.support})`, value: row.f1 })),
    'F1 per label vs teacher (support)',
    { max: 1, format: percent },
  );
  const latencyItems = [{ label: 'student p50', value: report.latency.student.p50Ms }, { label: 'student p99', value: report.latency.student.p99Ms }];
  if (report.latency.teacher) latencyItems.push({ label: 'teacher p50', value: report.latency.teacher.p50Ms }, { label: 'teacher p99', value: report.latency.teacher.p99Ms });
  const latencyBars = horizontalBars(latencyItems, 'Latency per call (log scale)', { logScale: true, format: ms });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Distillery report: ${escape(report.task)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse}th,td{padding:4px 10px;border-bottom:1px solid #eee;text-align:left}th{font-weight:500;color:#555}.charts{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start;margin-top:1.5em}</style></head>
<body><h1>Distillery report: ${escape(report.task)}</h1><p>${escape(report.studentKind)} student distilled from <code>${escape(report.teacherModel)}</code>, ${escape(report.createdAt)}.</p>
<table>${table}</table>
<div class="charts">${confusionHeatmap(report.confusion.labels, report.confusion.matrix, 'teacher')}${reliabilityDiagram(report.calibration.bins, 'Reliability vs teacher')}${f1Bars}${latencyBars}</div>
<p>Student cost per call is its measured CPU time priced at $${report.cost.cpuHourUSD} per vCPU-hour; teacher cost comes from recorded token usage (${escape(report.cost.priceSource)} prices).</p>
</body></html>\n`;
}
