import { describe, expect, it } from 'vitest';
import { confusionHeatmap, horizontalBars, logBars, reliabilityDiagram } from './charts.js';
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

const full: EvalReport = {
  ...report,
  teacherVsGold: { examples: 10, accuracy: 0.85, macroF1: 0.84 },
  calibration: { ...report.calibration, eceVsGold: 0.0734, binsVsGold: calibration([0.9], [false]).bins },
  training: { epochs: 30, bestEpoch: 12, seconds: 4.25, examplesPerSecond: 25_000, stoppedEarly: true },
  collection: { calls: 120, cached: 30, junk: 3, failed: 2, spentUSD: 0.0123, totalSpentUSD: 0.5, budgetUSD: 5 },
};

describe('report renderers', () => {
  it('put the headline figures in every format', () => {
    for (const text of [renderTerminal(report), renderMarkdown(report), renderHtml(report)]) {
      expect(text).toContain('90.0%');
      expect(text).toContain('80.0%');
      expect(text).toContain('0.051');
      expect(text).toContain('341.8 KiB');
      expect(text).toContain('300,000 parameters');
      expect(text).toContain('60 µs / 70 µs');
      expect(text).toContain('500 ms / 900 ms');
      expect(text).toContain('$8.30e-7 / $0.042');
      expect(text).toContain('100 (80 / 10 / 10)');
    }
    expect(renderMarkdown(report)).toContain('| billing | 100.0% | 83.3% | 90.9% | 6 |');
  });

  it('shows the optional parts only when present', () => {
    expect(renderTerminal(report)).not.toMatch(/teacher accuracy vs gold|training|teacher calls|vs gold 0\./);
    const terminal = renderTerminal(full);
    expect(terminal).toContain('85.0% (macro-F1 84.0%, n=10)');
    expect(terminal).toContain('0.051 (vs gold 0.073)');
    expect(terminal).toContain('best epoch 12/30 (stopped early), 4.3 s, 25,000 examples/s');
    expect(terminal).toContain('120 / 30; 3 junk, 2 failed');
    expect(terminal).toContain('$0.0123 / $0.50 of $5.00');
  });

  it('aligns the terminal table and names the weakest labels', () => {
    const lines = renderTerminal(full).split('\n').slice(1);
    const valueColumns = new Set(lines.map((line) => line.search(/\S/u) === 2 ? line.slice(2).search(/ {2}\S/u) : -1));
    expect(valueColumns.size).toBe(1);
    expect(lines.at(-1)).toMatch(/weakest labels .* bug 88\.9% \(n=4\), billing 90\.9% \(n=6\)$/);
    expect(renderTerminal(full)).not.toMatch(/\u001b\[/);
  });

  it('adds a confusion table to the Markdown for a few labels, escaping pipes', () => {
    const markdown = renderMarkdown({ ...report, perClass: [{ label: 'a|b', precision: 1, recall: 1, f1: 1, support: 1 }] });
    expect(markdown).toContain('## Confusion matrix (rows: teacher, columns: student)');
    expect(markdown).toContain('| **billing** | 5 | 1 |');
    expect(markdown).toContain('| a\\|b |');
  });

  it('makes a self-contained page with the charts, escaping names', () => {
    const html = renderHtml({ ...report, task: '<script>x</script>' });
    // confusion, reliability vs teacher, F1 per label, latency, cost
    expect(html.match(/<svg /g)).toHaveLength(5);
    expect(renderHtml(full).match(/<svg /g)).toHaveLength(6);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)|<link|<img/);
    expect(html).toContain('&#60;script&#62;x&#60;/script&#62;');
    for (const title of ['Confusion matrix', 'Reliability vs teacher (ECE 0.051)', 'F1 per label vs teacher', 'Latency per call', 'Cost per 1,000 calls']) expect(html).toContain(title);
    expect(renderHtml(full)).toContain('Reliability vs gold (ECE 0.073)');
  });

  it('writes well-formed tags: no attribute twice in one element', () => {
    for (const tag of renderHtml(full).match(/<[a-z][^>]*>/g) ?? []) {
      const names = [...tag.matchAll(/\s([a-z-]+)=/g)].map((match) => match[1]);
      expect(new Set(names).size, tag).toBe(names.length);
    }
  });

  it('renders missing latency as a dash rather than NaN', () => {
    const { teacher: _teacher, ...latency } = report.latency;
    const text = renderTerminal({ ...report, latency: { ...latency, student: summariseLatency([]) } });
    expect(text).toMatch(/student latency p50 \/ p99 +— \/ —$/m);
    expect(renderHtml({ ...report, latency: { student: summariseLatency([]) } })).not.toContain('NaN');
  });
});

describe('charts', () => {
  it('puts counts in the confusion cells and colours the diagonal green', () => {
    const chart = confusionHeatmap(['pos', 'neg'], [[7, 2], [0, 5]], 'gold');
    expect(chart).toContain('>7</text>');
    expect(chart).toContain('gold pos → student neg: 2');
    expect(chart.match(/fill="hsl\(145/g)).toHaveLength(2);
    expect(chart).toContain('gold&#39;s label');
  });

  it('draws one reliability bar per non-empty bin, as tall as its accuracy', () => {
    const { bins } = calibration([0.1, 0.1, 0.95], [true, false, true], 10);
    const chart = reliabilityDiagram(bins, 'R');
    expect(chart.match(/<rect [^>]*fill="steelblue"/g)).toHaveLength(2);
    // plot height 280: accuracy 0.5 → 140, accuracy 1 → 280
    expect(chart).toMatch(/height="140"[^>]*fill="steelblue"/);
    expect(chart).toMatch(/height="280"[^>]*fill="steelblue"/);
  });

  it('scales linear bars to the maximum and log bars by decades', () => {
    const linear = horizontalBars([{ label: 'a', value: 0.5 }, { label: 'b', value: 1 }], 'L', { max: 1 });
    expect(linear).toMatch(/width="150"[^>]*fill="steelblue"/);
    expect(linear).toMatch(/width="300"[^>]*fill="steelblue"/);
    const log = logBars([{ label: 'student', value: 0.01 }, { label: 'teacher', value: 100 }, { label: 'free', value: 0 }], 'Log', { format: String });
    // Decades 1e-2 … 1e2 plus a quarter decade: 0.01 → 0.25/4.25 of 300, 100 → all of it; 0 gets no bar.
    expect(log.match(/<rect [^>]*fill="steelblue"/g)).toHaveLength(2);
    expect(log).toMatch(/width="17.6"[^>]*fill="steelblue"/);
    expect(log).toMatch(/width="300"[^>]*fill="steelblue"/);
    expect(log).toContain('>0</text>');
  });

  it('widens a chart to fit a long title', () => {
    const title = 'A very long chart title that would not fit in the plot area at all';
    const width = Number(/width="(\d+)"/.exec(horizontalBars([{ label: 'x', value: 1 }], title))?.[1]);
    expect(width).toBeGreaterThanOrEqual(title.length * 7);
  });
});
