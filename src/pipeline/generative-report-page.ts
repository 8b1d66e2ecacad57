/**
 * The report page of an extract or generate run: the headline figures with their intervals, the
 * worst examples side by side (src/eval/generative-report.ts's fragments), the training curve
 * (validation loss per step), and cost and latency of the student against the teacher.
 */
import { escapeXml, lineChart } from '../eval/charts.js';
import type { FieldScores } from '../eval/extract-metrics.js';
import { renderGenerativeReport, type HeadlineFigure, type ScoredExample } from '../eval/generative-report.js';
import type { JudgeSummary } from '../eval/judge.js';
import type { LatencySummary } from '../eval/metrics.js';
import type { GenerativeCurationSummary } from './curate-generative-stage.js';

/** What report.json holds for an extract or generate run. */
export interface GenerativeEvaluationReport {
  task: string;
  kind: 'extract' | 'generate';
  createdAt: string;
  teacherModel: string;
  /** Which student answered: the language model, or the span tagger (extract tasks). */
  studentKind: 'lm' | 'span';
  /** `student.kind: auto` (extract): which student was kept and why (validation field F1 when both were trained; never test). */
  choice?: StudentChoice;
  split: 'test' | 'val';
  testExamples: number;
  warnings: string[];
  /** The headline estimates by name (extract: validRate, parseRate, fieldF1, fieldPrecision, fieldRecall, exactMatch; generate: exactMatch, chrf, rougeL). */
  figures: Record<string, number>;
  headline: HeadlineFigure[];
  examples: ScoredExample[];
  scoreName: string;
  fields?: Array<{ path: string } & FieldScores>;
  referenceUnparseable?: number;
  /** Student answers cut off by the answer-token limit. */
  truncatedAnswers: number;
  latency: { student: LatencySummary; teacher?: LatencySummary; teacherMethod?: 'sequential' | 'collected' };
  speedupAtP50?: number;
  cost: { teacherPer1MUSD: number; gpt4oMiniPer1MUSD?: number; studentPer1MUSD: number; cpuHourUSD: number; priceSource: string; meanInputTokens: number; meanOutputTokens: number };
  /** tokenizer 'words' and context 0 for the span tagger (it reads whole texts as words; config holds its bits and epochs). */
  student: { bytes: number; parameters: number; tokenizer: 'bpe' | 'teacher' | 'words'; context: number; storage: string; config: Record<string, number> };
  training: {
    curve: Array<{ step: number; trainLoss: number; validationLoss: number }>;
    reused: boolean; stepsRun: number; bestStep: number; seconds: number; tokensPerSecond: number;
    tokenLevelExamples: number; trainExamples: number; validationExamples: number;
    /** The span tagger's training: each epoch count tried with its validation field F1, and how many teacher values were spans of the input. */
    span?: SpanTrainingFigures;
  };
  curation?: GenerativeCurationSummary['report'];
  /** The judge's verdicts when the task file asked for one. */
  judge?: JudgeSummary;
  collection?: { calls: number; cached: number; junk: number; failed: number; spentUSD: number; totalSpentUSD: number; budgetUSD: number };
}

/** What the span tagger's training measured. */
export interface SpanTrainingFigures {
  candidates: Array<{ epochs: number; validationFieldF1: number }>;
  chosenEpochs: number;
  bits: number;
  /** Non-empty teacher values in the training answers, and those placed as word-aligned spans of their input. */
  values: number;
  placed: number;
}

/** How `student.kind: auto` chose (report.json's `choice`). */
export interface StudentChoice {
  chosen: 'lm' | 'span';
  reason: string;
  /** Share of the teacher's training values that are word-aligned spans of their input (NaN when the schema does not fit the span tagger). */
  spanShare: number;
  /** Validation field F1 of each student trained (only those trained). */
  validationFieldF1: Partial<Record<'lm' | 'span', number>>;
}

/** "$1.23" for dollars, with more digits for small sums. */
function dollars(value: number): string {
  return value >= 100 ? `$${value.toFixed(0)}` : value >= 1 ? `$${value.toFixed(2)}` : `$${value.toPrecision(2)}`;
}

/** "12.3 ms" (or µs below a millisecond). */
function milliseconds(value: number): string {
  return value < 1 ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

/** The rows of the cost and latency table: what, student, teacher. */
function costRows(report: GenerativeEvaluationReport): string[][] {
  const { student, teacher } = report.latency;
  const rows = [
    ['latency p50', milliseconds(student.p50Ms), teacher ? milliseconds(teacher.p50Ms) : 'n/a'],
    ['latency p99', milliseconds(student.p99Ms), teacher ? milliseconds(teacher.p99Ms) : 'n/a'],
    ['cost per 1M calls', `${dollars(report.cost.studentPer1MUSD)} (CPU at ${dollars(report.cost.cpuHourUSD)}/vCPU-hour)`, `${dollars(report.cost.teacherPer1MUSD)} (${report.cost.priceSource})`],
  ];
  if (report.cost.gpt4oMiniPer1MUSD !== undefined) rows.push(['the same calls at gpt-4o-mini\'s listed price', '', dollars(report.cost.gpt4oMiniPer1MUSD)]);
  rows.push(['size', `${(report.student.bytes / 1024).toFixed(0)} KiB, ${report.student.parameters.toLocaleString('en-US')} parameters (${report.student.storage})`, report.teacherModel]);
  return rows;
}

/** One line on how the student was trained. */
function trainingLine(report: GenerativeEvaluationReport): string {
  const { training, student } = report;
  const choice = report.choice === undefined ? '' : ` Student chosen by student.kind auto: ${report.choice.chosen} (${report.choice.reason}).`;
  if (training.span !== undefined) {
    const tried = training.span.candidates.map((candidate) => `${candidate.epochs} epochs ${candidate.validationFieldF1.toFixed(3)}`).join(', ');
    return `${training.trainExamples} training and ${training.validationExamples} validation examples; span tagger (averaged perceptron, ${training.span.bits} feature bits), ${training.span.placed} of ${training.span.values} teacher values are spans of the input; validation field F1 by epochs: ${tried}; kept ${training.span.chosenEpochs} epochs, ${training.seconds.toFixed(1)} s${training.reused ? ' (saved student reused)' : ''}.${choice}`;
  }
  const kd = training.tokenLevelExamples > 0 ? `token-level KD on ${training.tokenLevelExamples} of ${training.trainExamples} examples` : 'sequence-level KD';
  const reused = training.reused ? ' (saved student reused)' : '';
  return `${training.trainExamples} training and ${training.validationExamples} validation examples, ${student.tokenizer} tokenizer, ${kd}; best step ${training.bestStep} of ${training.stepsRun}, ${training.seconds.toFixed(1)} s, ${training.tokensPerSecond.toFixed(0)} tokens/s${reused}. Teacher latency: ${report.latency.teacherMethod === 'sequential' ? 'timed one call at a time' : 'as recorded while collecting (calls in flight together)'}.${choice}`;
}

/** The training curve as an SVG line chart (empty when no curve was kept). */
function curveChart(report: GenerativeEvaluationReport): string {
  const { curve } = report.training;
  if (report.training.span !== undefined) return '';
  if (curve.length === 0) return '<p class="note">No training curve (the student was trained before curves were kept).</p>';
  return lineChart([
    { name: 'validation loss', points: curve.map((point) => ({ x: point.step, y: point.validationLoss })) },
    { name: 'training loss', points: curve.map((point) => ({ x: point.step, y: point.trainLoss })), dashed: true },
  ], 'Training curve', { xLabel: 'step', yLabel: 'loss (nats per answer token)' });
}

/** The curation counts, one line. */
function curationLine(curation: NonNullable<GenerativeEvaluationReport['curation']>): string {
  const filtered = Object.entries(curation.filtered).map(([name, count]) => `${name} ${count}`).join(', ');
  return `Curation removed: ${filtered}; decontamination ${curation.decontamination?.removed ?? 0}. Kept train ${curation.kept.train}, val ${curation.kept.val}, test ${curation.kept.test}.`;
}

/** The page as Markdown and as a self-contained HTML file. */
export function renderGenerativePage(report: GenerativeEvaluationReport): { markdown: string; html: string } {
  const fragments = renderGenerativeReport({ headline: report.headline, examples: report.examples, scoreName: report.scoreName, scoreScale: report.kind === 'extract' ? 'proportion' : 'score100', ...(report.fields ? { fields: report.fields } : {}), ...(report.judge ? { judge: report.judge } : {}) });
  const title = `${report.task}: ${report.kind} distilled into the ${report.studentKind === 'span' ? 'span-tagger' : 'language-model'} student`;
  const table = costRows(report);
  const markdown = [
    `# ${title}`, '',
    `Teacher ${report.teacherModel}; ${report.testExamples} ${report.split} examples; ${report.createdAt}.`, '',
    ...report.warnings.map((warning) => `> ⚠ ${warning}`), '',
    fragments.markdown, '',
    '## Student against teacher', '', '| | student | teacher |', '|---|---|---|', ...table.map((row) => `| ${row.join(' | ')} |`), '',
    '## Training', '', trainingLine(report), '',
    ...(report.training.span !== undefined ? [] : ['| step | training loss | validation loss |', '|---|---|---|', ...report.training.curve.map((point) => `| ${point.step} | ${point.trainLoss.toFixed(4)} | ${point.validationLoss.toFixed(4)} |`), '']),
    ...(report.curation ? [curationLine(report.curation), ''] : []),
  ].join('\n');
  const style = 'body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse}th,td{padding:4px 10px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}th{font-weight:500;color:#555}.note{color:#555;font-size:0.9em}.warning{background:#fff4d6;border-left:4px solid #e0a800;padding:6px 10px}table.side-by-side td.text{font-family:ui-monospace,monospace;font-size:0.85em;max-width:360px;word-break:break-word}';
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${style}</style></head><body>
<h1>${escapeXml(title)}</h1><p class="note">Teacher ${escapeXml(report.teacherModel)}; ${report.testExamples} ${report.split} examples; ${escapeXml(report.createdAt)}.</p>
${report.warnings.map((warning) => `<p class="warning">${escapeXml(warning)}</p>`).join('')}
${fragments.html}
<h2>Student against teacher</h2><table><tr><th></th><th>student</th><th>teacher</th></tr>${table.map((row) => `<tr>${row.map((cell) => `<td>${escapeXml(cell)}</td>`).join('')}</tr>`).join('')}</table>
<h2>Training</h2><p>${escapeXml(trainingLine(report))}</p><figure>${curveChart(report)}</figure>
${report.curation ? `<p class="note">${escapeXml(curationLine(report.curation))}</p>` : ''}
</body></html>
`;
  return { markdown, html };
}

/** The report's figures for a terminal: one line each. */
export function renderGenerativeTerminal(report: GenerativeEvaluationReport): string {
  const lines = [`${report.task} (${report.kind}, ${report.studentKind === 'span' ? 'span-tagger' : 'lm'} student) on ${report.testExamples} ${report.split} examples`];
  for (const figure of report.headline) {
    const value = figure.scale === 'proportion' ? `${(figure.interval.estimate * 100).toFixed(1)}% (95% CI ${(figure.interval.lower * 100).toFixed(1)}–${(figure.interval.upper * 100).toFixed(1)}%)` : `${figure.interval.estimate.toFixed(1)} (95% CI ${figure.interval.lower.toFixed(1)}–${figure.interval.upper.toFixed(1)})`;
    lines.push(`  ${figure.name.padEnd(26)} ${value}`);
  }
  for (const row of costRows(report)) lines.push(`  ${row[0]?.padEnd(26)} student ${row[1]}, teacher ${row[2]}`);
  return lines.join('\n');
}
