/**
 * The report's example lists — where student and teacher disagree, and the teacher's junk answers —
 * as Markdown and HTML tables, so a user can read the cases behind the scores.
 */
import { escapeXml } from './charts.js';
import type { CappedList, Disagreement, EvalReport, JunkAnswer } from './report-types.js';

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const labelWithProbability = (side: { label: string; probability: number | null }) => (side.probability === null ? side.label : `${side.label} ${percent(side.probability)}`);

/** Markdown cell text: no raw pipe or newline, and no HTML a viewer would render (inputs are arbitrary text). */
function markdownCell(value: string): string {
  return value.replace(/\|/gu, '\\|').replace(/\r?\n/gu, ' ').replace(/</gu, '&lt;').replace(/>/gu, '&gt;');
}

/** "; the first 50 of 73 shown" when the list was cut, else nothing. */
function shownNote(list: CappedList<unknown>): string {
  return list.shown.length < list.total ? `; the first ${list.shown.length} of ${list.total} shown` : '';
}

function disagreementCells(row: Disagreement): string[] {
  return [row.snippet, row.source, labelWithProbability(row.teacher), labelWithProbability(row.student)];
}

function junkCells(row: JunkAnswer): string[] {
  return [row.snippet, row.source, row.split, row.answer];
}

const DISAGREEMENT_HEADER = ['input', 'source', 'teacher', 'student'];
const JUNK_HEADER = ['input', 'source', 'split', 'teacher answered'];

/** The heading of each list, with its count. */
function titles(report: EvalReport): { disagreements: string; junk: string } {
  return {
    disagreements: `Disagreements with the teacher (${report.disagreements.total} on the test split${shownNote(report.disagreements)}${report.disagreements.total > 1 ? ', most confident student first' : ''})`,
    junk: `Junk answers: the teacher named no label (${report.junkAnswers.total}${shownNote(report.junkAnswers)})`,
  };
}

/** Both lists as Markdown sections (a list with no entries says so in one line). */
export function markdownLists(report: EvalReport): string[] {
  const heading = titles(report);
  const table = (header: string[], rows: string[][]) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(markdownCell).join(' | ')} |`)];
  const lines = ['', `## ${heading.disagreements}`, ''];
  lines.push(...(report.disagreements.total === 0 ? ['None: the student agrees with the teacher on every test example.'] : table(DISAGREEMENT_HEADER, report.disagreements.shown.map(disagreementCells))));
  lines.push('', `## ${heading.junk}`, '');
  lines.push(...(report.junkAnswers.total === 0 ? ['None.'] : table(JUNK_HEADER, report.junkAnswers.shown.map(junkCells))));
  return lines;
}

/** Both lists as HTML sections. */
export function htmlLists(report: EvalReport): string {
  const heading = titles(report);
  const table = (header: string[], rows: string[][]) =>
    `<table class="list"><tr>${header.map((name) => `<th>${escapeXml(name)}</th>`).join('')}</tr>${rows.map((row) => `<tr>${row.map((value, index) => (index === 0 ? `<td><code>${escapeXml(value)}</code></td>` : `<td>${escapeXml(value)}</td>`)).join('')}</tr>`).join('')}</table>`;
  const disagreements = report.disagreements.total === 0 ? '<p>None: the student agrees with the teacher on every test example.</p>' : table(DISAGREEMENT_HEADER, report.disagreements.shown.map(disagreementCells));
  const junk = report.junkAnswers.total === 0 ? '<p>None.</p>' : table(JUNK_HEADER, report.junkAnswers.shown.map(junkCells));
  return `<h2>${escapeXml(heading.disagreements)}</h2>${disagreements}<h2>${escapeXml(heading.junk)}</h2>${junk}`;
}
