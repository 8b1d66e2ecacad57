/**
 * Report pieces for extract and generate tasks, as Markdown and HTML fragments that report.ts can
 * embed: the headline figures each with its bootstrap interval, the judge's win/tie/loss with the
 * answers' lengths beside it, and the worst-scored examples side by side (input, teacher, student,
 * score). Pure functions of their input; every text from a model or an input file is escaped.
 */
import type { BootstrapInterval } from './bootstrap.js';
import { escapeXml } from './charts.js';
import type { FieldScores } from './extract-metrics.js';
import type { JudgeSummary } from './judge.js';

/** How a figure reads: a share shown as a percentage, a 0–100 score (chrF), or a plain number. */
export type FigureScale = 'proportion' | 'score100' | 'number';

/** One headline figure. */
export interface HeadlineFigure {
  name: string;
  interval: BootstrapInterval;
  scale: FigureScale;
}

/** One example with the score it got. */
export interface ScoredExample {
  input: string;
  teacher: string;
  student: string;
  score: number;
}

/** What the pieces show. */
export interface GenerativeReportInput {
  headline: readonly HeadlineFigure[];
  /** The examples of the test split with their per-example score (lowest is worst). */
  examples: readonly ScoredExample[];
  /** What the example score is, e.g. "field F1" or "chrF". */
  scoreName: string;
  scoreScale: FigureScale;
  /** How many worst examples to show (default 10). */
  worstLimit?: number;
  judge?: JudgeSummary;
  /** Extract tasks: the per-field scores (extract-metrics.ts `perField`); the most supported shown. */
  fields?: ReadonlyArray<{ path: string } & FieldScores>;
}

/** The fragments, ready to embed. */
export interface GenerativeReportFragments {
  markdown: string;
  html: string;
}

/** Longest text shown in a cell, in code points; longer ones end in "…". */
export const CELL_TEXT_LIMIT = 280;
const DEFAULT_WORST_LIMIT = 10;
/** Fields shown in the per-field table; a schema with more lists the most supported. */
export const FIELD_LIMIT = 20;

/** The `limit` lowest-scored examples, lowest first; equal scores keep the test split's order. */
export function worstExamples(examples: readonly ScoredExample[], limit = DEFAULT_WORST_LIMIT): ScoredExample[] {
  return examples.map((example, index) => ({ example, index }))
    .sort((a, b) => a.example.score - b.example.score || a.index - b.index)
    .slice(0, Math.max(0, limit))
    .map((entry) => entry.example);
}

/** A value in its scale: "83.4%", "61.2", or the number. */
function formatValue(value: number, scale: FigureScale): string {
  if (scale === 'proportion') return `${(value * 100).toFixed(1)}%`;
  if (scale === 'score100') return value.toFixed(1);
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

/** "83.4% (95% CI 80.1–86.2%, n=457)". */
export function formatFigure(figure: HeadlineFigure): string {
  const { interval, scale } = figure;
  const bound = (value: number) => formatValue(value, scale).replace(/%$/u, '');
  const unit = scale === 'proportion' ? '%' : '';
  return `${formatValue(interval.estimate, scale)} (${Math.round(interval.confidence * 100)}% CI ${bound(interval.lower)}–${bound(interval.upper)}${unit}, n=${interval.examples})`;
}

/** At most CELL_TEXT_LIMIT code points. */
function clip(text: string): string {
  const characters = Array.from(text);
  return characters.length <= CELL_TEXT_LIMIT ? text : `${characters.slice(0, CELL_TEXT_LIMIT - 1).join('')}…`;
}

/** Markdown cell text: no raw pipe or newline, no HTML a viewer would render, no emphasis or code marks. */
function markdownCell(value: string): string {
  return clip(value).replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;')
    .replace(/([\\`*_[\]|])/gu, '\\$1').replace(/\r?\n/gu, ' ↵ ');
}

/** HTML cell text: escaped, line breaks kept visible. */
function htmlCell(value: string): string {
  return escapeXml(clip(value)).replace(/\r?\n/gu, '<br>');
}

/** "Judge: student wins 12, ties 30, loses 8 (2 unparseable) of 52 pairs, both orders each". */
function judgeLine(judge: JudgeSummary): string {
  const unparseable = judge.unparseable > 0 ? `, ${judge.unparseable} unparseable` : '';
  return `student wins ${judge.wins}, ties ${judge.ties}, loses ${judge.losses}${unparseable} of ${judge.pairs} pairs (each judged in both orders; a win needs both)`;
}

/** "student 41.2 chars / 7.1 words, teacher 55.0 / 9.3". */
function lengthsLine(judge: JudgeSummary): string {
  const { student, teacher } = judge.lengths;
  return `mean answer length: student ${student.meanCharacters.toFixed(1)} characters / ${student.meanWords.toFixed(1)} words, teacher ${teacher.meanCharacters.toFixed(1)} / ${teacher.meanWords.toFixed(1)}`;
}

const WORST_HEADER = ['input', 'teacher', 'student', 'score'];
const FIELD_HEADER = ['field', 'precision', 'recall', 'F1', 'support'];

/** The per-field rows, most supported first (support: the teacher's values at that path). */
function fieldRows(fields: NonNullable<GenerativeReportInput['fields']>): string[][] {
  const support = (field: FieldScores) => field.truePositives + field.falseNegatives;
  return [...fields].sort((a, b) => support(b) - support(a) || (a.path < b.path ? -1 : 1)).slice(0, FIELD_LIMIT)
    .map((field) => [field.path === '' ? '(whole value)' : field.path, formatValue(field.precision, 'proportion'), formatValue(field.recall, 'proportion'), formatValue(field.f1, 'proportion'), String(support(field))]);
}

/** "Fields (20 of 31, most supported first)". */
function fieldsTitle(fields: NonNullable<GenerativeReportInput['fields']>): string {
  return `Fields (${Math.min(FIELD_LIMIT, fields.length)} of ${fields.length}, most supported first)`;
}

/** The title of the worst-examples section. */
function worstTitle(input: GenerativeReportInput, shown: number): string {
  return `Worst examples by ${input.scoreName} (${shown} of ${input.examples.length}, lowest first)`;
}

/** The Markdown fragment. */
export function renderGenerativeMarkdown(input: GenerativeReportInput): string {
  const lines = ['| figure | value |', '|---|---|', ...input.headline.map((figure) => `| ${markdownCell(figure.name)} | ${formatFigure(figure)} |`)];
  if (input.judge !== undefined) lines.push('', `Judge: ${judgeLine(input.judge)}; ${lengthsLine(input.judge)}.`);
  if (input.fields !== undefined && input.fields.length > 0) {
    lines.push('', `## ${fieldsTitle(input.fields)}`, '', `| ${FIELD_HEADER.join(' | ')} |`, `|${FIELD_HEADER.map(() => '---').join('|')}|`);
    for (const row of fieldRows(input.fields)) lines.push(`| ${row.map(markdownCell).join(' | ')} |`);
  }
  const worst = worstExamples(input.examples, input.worstLimit);
  lines.push('', `## ${worstTitle(input, worst.length)}`, '');
  if (worst.length === 0) lines.push('None: the test split is empty.');
  else {
    lines.push(`| ${WORST_HEADER.join(' | ')} |`, `|${WORST_HEADER.map(() => '---').join('|')}|`);
    for (const example of worst) lines.push(`| ${[example.input, example.teacher, example.student].map(markdownCell).join(' | ')} | ${formatValue(example.score, input.scoreScale)} |`);
  }
  return lines.join('\n');
}

/** The HTML fragment. */
export function renderGenerativeHtml(input: GenerativeReportInput): string {
  const figures = input.headline.map((figure) => `<tr><th>${escapeXml(figure.name)}</th><td>${escapeXml(formatFigure(figure))}</td></tr>`).join('');
  const judge = input.judge === undefined ? '' : `<p>Judge: ${escapeXml(judgeLine(input.judge))}; ${escapeXml(lengthsLine(input.judge))}.</p>`;
  const worst = worstExamples(input.examples, input.worstLimit);
  const rows = worst.map((example) => `<tr>${[example.input, example.teacher, example.student].map((text) => `<td class="text">${htmlCell(text)}</td>`).join('')}<td>${escapeXml(formatValue(example.score, input.scoreScale))}</td></tr>`).join('');
  const table = worst.length === 0
    ? '<p>None: the test split is empty.</p>'
    : `<table class="list side-by-side"><tr>${WORST_HEADER.map((name) => `<th>${name}</th>`).join('')}</tr>${rows}</table>`;
  const fields = input.fields === undefined || input.fields.length === 0 ? ''
    : `<h2>${escapeXml(fieldsTitle(input.fields))}</h2><table class="list"><tr>${FIELD_HEADER.map((name) => `<th>${name}</th>`).join('')}</tr>${fieldRows(input.fields).map((row) => `<tr>${row.map((value) => `<td>${escapeXml(value)}</td>`).join('')}</tr>`).join('')}</table>`;
  return `<table class="figures">${figures}</table>${judge}${fields}<h2>${escapeXml(worstTitle(input, worst.length))}</h2>${table}`;
}

/** Both fragments. */
export function renderGenerativeReport(input: GenerativeReportInput): GenerativeReportFragments {
  return { markdown: renderGenerativeMarkdown(input), html: renderGenerativeHtml(input) };
}
