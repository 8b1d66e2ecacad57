/**
 * `distillery demo extract --limit` end to end through the CLI (behind DISTILLERY_E2E=1, which CI
 * sets): the figures of the last JSON line are the run's own — validRate recomputed from the
 * student's answers in report.json, teacherCalls equal to the calls the collection recorded, and a
 * second run answered entirely from the cache.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entitySchemaViolation } from '../src/demo/entity-extractor.js';
import { isCopiedSpan, stringValuesOf } from '../src/student/lm/copy-spans.js';
import { runCli } from './cli-helpers.js';

const enabled = process.env['DISTILLERY_E2E'] === '1';
const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-demo-extract-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** The last stdout line as an object. */
function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown>;
}

/** Share of answers that parse and match the demo's schema, counted here independently of the pipeline. */
function validShare(answers: readonly string[]): number {
  const valid = answers.filter((text) => {
    try {
      return entitySchemaViolation(JSON.parse(text)) === null;
    } catch {
      return false;
    }
  });
  return valid.length / answers.length;
}

describe.skipIf(!enabled)('distillery demo extract (end to end)', () => {
  it('distils compromise into the span-tagger student and prints real figures as the last JSON line', async () => {
    // A short run: few sentences keep it inside CI's time; the figures' meaning, not their size, is tested.
    const first = await runCli(['demo', 'extract', '--json', '--dir', folder, '--limit', '200', '--latency-samples', '10']);
    expect(first.code, first.stderr).toBe(0);
    const result = lastJson(first.stdout);
    expect(result['studentKind']).toBe('span');
    for (const key of ['validRate', 'fieldF1', 'exactMatch', 'studentBytes', 'studentMsPerCall', 'teacherMsPerCall', 'teacherCalls', 'wallSeconds']) {
      expect(typeof result[key], key).toBe('number');
      expect(Number.isFinite(result[key]), key).toBe(true);
    }
    const report = JSON.parse(readFileSync(path.join(folder, 'report.json'), 'utf8')) as {
      examples: Array<{ student: string }>; figures: Record<string, number>; collection: { calls: number }; student: { bytes: number }; testExamples: number;
    };
    expect(report.examples).toHaveLength(report.testExamples);
    expect(result['validRate']).toBeCloseTo(validShare(report.examples.map((example) => example.student)), 10);
    expect(result['fieldF1']).toBe(report.figures['fieldF1']);
    expect(result['teacherCalls']).toBe(report.collection.calls);
    expect(result['teacherCalls']).toBe(result['inputs']);
    expect(result['studentBytes']).toBe(report.student.bytes);
    // The epochs kept are one of the candidates, chosen on validation (report.json lists each one's field F1).
    const span = (report as unknown as { training: { span: { chosenEpochs: number; candidates: Array<{ epochs: number }> } } }).training.span;
    expect(result['stepsRun']).toBe(span.chosenEpochs);
    expect(span.candidates.map((candidate) => candidate.epochs)).toEqual([10, 20, 30]);
    // The span tagger writes only spans of the sentence: every name the student wrote is one.
    const examples = report.examples as Array<{ input: string; student: string }>;
    const parsed = (text: string): unknown => { try { return JSON.parse(text); } catch { return null; } };
    for (const example of examples) for (const name of stringValuesOf(parsed(example.student))) expect(isCopiedSpan(name, example.input), name).toBe(true);

    const second = await runCli(['demo', 'extract', '--json', '--dir', folder, '--limit', '200', '--latency-samples', '10']);
    expect(second.code, second.stderr).toBe(0);
    const again = lastJson(second.stdout);
    expect(again['teacherCalls']).toBe(0);
    expect(again['cachedAnswers']).toBe(result['teacherCalls']);
    // Same answers, same settings: the saved student is reused, so its figures are the first run's.
    expect(again['fieldF1']).toBe(result['fieldF1']);
  }, 900_000);
});
