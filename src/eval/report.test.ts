import { describe, expect, it } from 'vitest';
import { calibration, summariseLatency } from './metrics.js';
import { renderHtml, renderMarkdown, renderTerminal, type EvalReport } from './report.js';

const report: EvalReport = {
  task: 'tickets',
  createdAt: '2026-11-24T00:00:00.000Z',
  teacherModel: 'gpt-4o-mini',
  studentKind: 'ngram',
  labels: ['billing', 'bug'],
  counts: { inputs: 100, train: 80, val: 10, test: 10, duplicates: 2, junk: 1 },
  testExamples: 10,
  agreement: 0.9,
  macroF1VsTeacher: 0.875,
  studentVsGold: { examples: 10, accuracy: 0.8, macroF1: 0.79 },
  calibration: { eceVsTeacher: 0.0512, bins: calibration([0.9, 0.6], [true, false], 15).bins },
  confusion: { reference: 'teacher', labels: ['billing', 'bug'], matrix: [[5, 1], [0, 4]] },
  perClass: [{ label: 'billing', precision: 1, recall: 0.833, f1: 0.909, support: 6 }, { label: 'bug', precision: 0.8, recall: 1, f1: 0.889, support: 4 }],
  latency: { student: summariseLatency([0.05, 0.06, 0.07]), teacher: summariseLatency([400, 500, 900]) },
  cost: { teacherPer1kUSD: 0.042, studentPer1kUSD: 0.00000083, cpuHourUSD: 0.05, priceSource: 'table' },
  student: { bytes: 350_000, parameters: 300_000 },
};

describe('report renderers', () => {
  it('put the headline figures in every format', () => {
    for (const text of [renderTerminal(report), renderMarkdown(report), renderHtml(report)]) {
      expect(text).toContain('90.0%');
      expect(text).toContain('80.0%');
      expect(text).toContain('0.051');
      expect(text).toContain('341.8 KiB');
    }
    expect(renderMarkdown(report)).toContain('| billing | 100.0% | 83.3% | 90.9% | 6 |');
  });

  it('makes a self-contained page with the four charts', () => {
    const html = renderHtml(report);
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('Confusion matrix');
  });
});
