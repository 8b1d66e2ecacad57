/** What `distillery trace` prints: lines for people, one JSON object for scripts, files for --out. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AttributionResult } from '../evidence/attribution.js';
import type { ProbeReport } from '../evidence/probes.js';
import { traceChart, traceTable } from '../evidence/trace-chart.js';
import type { ReadingResult } from '../evidence/trace-reading.js';
import type { TraceResult } from '../evidence/trace.js';
import { UsageError } from '../util/errors.js';
import { fileFailureReason } from '../util/node-errors.js';

/** Everything one trace run found. */
export interface TraceReport {
  type: 'trace';
  suspect: { baseURL: string; model: string };
  key?: { scheme: string; gamma: number; contextWidth: number };
  tokenizer?: string;
  watermark?: TraceResult;
  reading?: ReadingResult;
  probes?: ProbeReport;
  attribution?: AttributionResult;
  spentUSD: number;
}

/** A p-value from its log10, readable even where it underflows. */
export function formatP(log10P: number): string {
  if (log10P > -4) return (10 ** log10P).toPrecision(3);
  const exponent = Math.floor(log10P);
  return `${(10 ** (log10P - exponent)).toFixed(1)}e${exponent}`;
}

/** The lines of the watermark verdict. */
function watermarkLines(result: TraceResult): string[] {
  const { score } = result;
  const counts = `${score.scored} distinct tuples scored (${score.tokens} tokens in ${result.answers} answers, ${score.skipped} repeated or in the prompt)`;
  const verdict = result.verdict === 'not enough evidence'
    ? `not enough evidence: ${counts}; at least 25 are needed for a p-value`
    : `${result.verdict}: p = ${formatP(score.log10P)} over ${counts}; corrected for ${result.looks} looks: ${formatP(result.adjustedLog10P)} (target ${result.targetP})`;
  const extras = [result.emptyAnswers > 0 ? `${result.emptyAnswers} empty answers` : '', result.refusals > 0 ? `${result.refusals} refusals` : ''].filter((text) => text !== '');
  return [`watermark: ${verdict}`, `stopped: ${result.stopDetail}${extras.length > 0 ? `; ${extras.join(', ')}` : ''}`, traceTable(result.curve)];
}

/** The line of reading mode. */
function readingLine(reading: ReadingResult): string {
  if (!reading.available) return `reading mode: unavailable: ${reading.reason}`;
  const { score } = reading;
  const body = reading.verdict === 'not enough evidence' ? `not enough evidence (${score.scored} tuples scored)` : `${reading.verdict}: p = ${formatP(score.log10P)} over ${score.scored} distinct tuples`;
  return `reading mode: ${body}, from the suspect's top-1 predictions over ${reading.texts} of the owner's texts (${reading.matchedText} predictions equal to the text's own token skipped)`;
}

/** The lines of the identity probes. */
function probeLines(probes: ProbeReport): string[] {
  return ['identity probes:', ...probes.headline.map((line) => `  ${line}`)];
}

/** The lines of attribution. */
function attributionLines(result: AttributionResult): string[] {
  const { heldOut } = result;
  const votes = result.candidates.map((name) => `${name} ${result.votes[name]} (mean p ${result.meanProbability[name]!.toFixed(2)})`).join(', ');
  return [
    `attribution: the suspect's answers most resemble ${result.predicted}: ${votes} of ${result.suspectAnswers} answers`,
    `  classifier held-out accuracy ${(100 * heldOut.accuracy).toFixed(1)}% (${heldOut.correct}/${heldOut.total}; 95% Wilson ${(100 * heldOut.lower).toFixed(1)}–${(100 * heldOut.upper).toFixed(1)}%) on ${result.candidates.join(', ')}`,
  ];
}

/** The report for people. */
export function humanReport(report: TraceReport): string {
  const lines = [`trace: ${report.suspect.model} at ${report.suspect.baseURL}${report.key === undefined ? '' : `, ${report.key.scheme} key (γ = ${report.key.gamma}, h = ${report.key.contextWidth}), tokenizer ${report.tokenizer}`}`];
  if (report.watermark !== undefined) lines.push(...watermarkLines(report.watermark));
  if (report.reading !== undefined) lines.push(readingLine(report.reading));
  if (report.probes !== undefined) lines.push(...probeLines(report.probes));
  if (report.attribution !== undefined) lines.push(...attributionLines(report.attribution));
  lines.push(`spent: $${report.spentUSD.toPrecision(3)}`);
  return `${lines.join('\n')}\n`;
}

/** Writes trace.json and (with a watermark curve) trace.svg into `folder`. */
export async function writeTraceFiles(folder: string, report: TraceReport): Promise<string[]> {
  try {
    await mkdir(folder, { recursive: true });
    const written = [path.join(folder, 'trace.json')];
    await writeFile(written[0]!, `${JSON.stringify(report, null, 2)}\n`);
    if (report.watermark !== undefined) {
      written.push(path.join(folder, 'trace.svg'));
      await writeFile(written[1]!, traceChart(report.watermark.curve, report.watermark.targetP, `trace of ${report.suspect.model}: p-value against tuples scored`));
    }
    return written;
  } catch (error) {
    throw new UsageError(`cannot write the trace report into ${folder}: ${fileFailureReason(error) ?? (error as Error).message}`);
  }
}
