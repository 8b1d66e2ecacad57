import { describe, expect, it } from 'vitest';
import { confusionHeatmap, horizontalBars, logBars, reliabilityDiagram } from './charts.js';
import { calibration, summariseLatency, wilsonInterval } from './metrics.js';
import { renderHtml, renderMarkdown, renderTerminal, speedupText, type EvalReport } from './report.js';

const report: EvalReport = {
  task: 'tickets',
  createdAt: '2026-11-24T00:00:00.000Z',
  teacherModel: 'gpt-4o-mini',
  studentKind: 'ngram',
  labels: ['billing', 'bug'],
  counts: { inputs: 100, train: 80, val: 10, test: 10, duplicates: 2, junk: 1 },
  testExamples: 10,
  agreement: 0.9,
  agreementInterval: wilsonInterval(9, 10),
  warnings: [],
  macroF1VsTeacher: 0.875,
  studentVsGold: { examples: 10, accuracy: 0.8, macroF1: 0.79 },
  calibration: { eceVsTeacher: 0.0512, bins: calibration([0.9, 0.6], [true, false], 15).bins },
  confusion: { reference: 'teacher', labels: ['billing', 'bug'], matrix: [[5, 1], [0, 4]] },
  perClass: [{ label: 'billing', precision: 1, recall: 0.833, f1: 0.909, support: 6 }, { label: 'bug', precision: 0.8, recall: 1, f1: 0.889, support: 4 }],
  latency: { student: summariseLatency([0.05, 0.06, 0.07]), teacher: summariseLatency([400, 500, 900]) },
  cost: { teacherPer1kUSD: 0.042, studentPer1kUSD: 0.00000083, cpuHourUSD: 0.05, priceSource: 'table' },
  student: { bytes: 350_000, parameters: 300_000 },
  disagreements: {
    total: 1,
    shown: [{ inputId: 'i7', source: 'tickets.jsonl:7', snippet: 'my card | was <b>charged</b> twice', teacher: { label: 'billing', probability: 0.62 }, student: { label: 'bug', probability: 0.55 } }],
  },
  junkAnswers: { total: 0, shown: [] },
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
      expect(text).toContain('$0.00000083 / $0.042');
      expect(text).not.toMatch(/\$\d(\.\d+)?e-/u);
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
    // Behaviour changed deliberately (issue 8, item 15): only labels with at least 10 test examples are named.
    const enough = { ...full, perClass: [{ label: 'billing', precision: 1, recall: 0.833, f1: 0.909, support: 60 }, { label: 'bug', precision: 0.8, recall: 1, f1: 0.889, support: 40 }, { label: 'tiny', precision: 0, recall: 0, f1: 0, support: 2 }] };
    const lines = renderTerminal(enough).split('\n').slice(1);
    const valueColumns = new Set(lines.map((line) => line.search(/\S/u) === 2 ? line.slice(2).search(/ {2}\S/u) : -1));
    expect(valueColumns.size).toBe(1);
    expect(lines.at(-1)).toMatch(/weakest labels .* bug 88\.9% \(n=40\), billing 90\.9% \(n=60\)$/);
    expect(renderTerminal(full)).not.toMatch(/\u001b\[/);
  });

  it('names no weakest label when every label has only a handful of test examples', () => {
    // The fixture's labels have n=6 and n=4: "bug 88.9% (n=4)" would be a verdict on four examples.
    const terminal = renderTerminal(full);
    expect(terminal).not.toMatch(/weakest labels .*\(n=\d\)/u);
    expect(terminal).toMatch(/weakest labels .* none named: no label has 10 test examples/u);
    expect(renderTerminal({ ...full, perClass: [{ label: 'py', precision: 0, recall: 0, f1: 0, support: 1 }] })).not.toContain('py 0.0%');
  });

  it('gives agreement (and accuracy against gold) its 95% interval in every format', () => {
    const withGoldInterval = { ...report, studentVsGold: { examples: 10, accuracy: 0.8, accuracyInterval: wilsonInterval(8, 10), macroF1: 0.79 } };
    for (const text of [renderTerminal(withGoldInterval), renderMarkdown(withGoldInterval), renderHtml(withGoldInterval)]) {
      // statsmodels: proportion_confint(9, 10, method='wilson') = (0.5958, 0.9821)
      expect(text).toContain('90.0% (95% CI 59.6–98.2%, n=10)');
      expect(text).toContain('80.0% (95% CI 49.0–94.3%, macro-F1 79.0%, n=10)');
    }
  });

  it('puts every warning at the top of each format', () => {
    const warned = { ...report, warnings: ['only 10 test examples scored (fewer than 100): the figures are rough'] };
    expect(renderTerminal(warned).split('\n')[1]).toBe('  ⚠ only 10 test examples scored (fewer than 100): the figures are rough');
    expect(renderMarkdown(warned)).toMatch(/^> ⚠ only 10 test examples scored/mu);
    expect(renderHtml(warned)).toContain('<p class="warning">⚠ only 10 test examples scored');
    expect(renderMarkdown(report)).not.toContain('⚠');
  });

  it('lists the disagreements and junk answers in Markdown and HTML, escaped, with their counts', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('## Disagreements with the teacher (1 on the test split)');
    expect(markdown).toContain('| my card \\| was &lt;b&gt;charged&lt;/b&gt; twice | tickets.jsonl:7 | billing 62.0% | bug 55.0% |');
    expect(markdown).toContain('## Junk answers: the teacher named no label (0)\n\nNone.');
    const html = renderHtml(report);
    expect(html).toContain('<td><code>my card | was &#60;b&#62;charged&#60;/b&#62; twice</code></td><td>tickets.jsonl:7</td><td>billing 62.0%</td><td>bug 55.0%</td>');
    expect(html).not.toContain('<b>charged');

    const junk = { inputId: 'j1', source: 'tickets.jsonl:9', snippet: 'hello?', split: 'train' as const, answer: 'I cannot tell' };
    const capped = { ...report, disagreements: { total: 73, shown: report.disagreements.shown }, junkAnswers: { total: 2, shown: [junk, { ...junk, inputId: 'j2' }] } };
    expect(renderMarkdown(capped)).toContain('(73 on the test split; the first 1 of 73 shown, most confident student first)');
    expect(renderMarkdown(capped)).toContain('| hello? | tickets.jsonl:9 | train | I cannot tell |');
    expect(renderHtml(capped)).toContain('<td>I cannot tell</td>');
  });

  it('quotes the speed-up the evaluation computed and says how the teacher was timed', () => {
    // The report's figure, not one recomputed from the rounded latencies: the demo summary quotes the same.
    const timed = { ...report, latency: { ...report.latency, teacherMethod: 'sequential' as const }, speedupAtP50: 1234.4 };
    for (const text of [renderTerminal(timed), renderMarkdown(timed), renderHtml(timed)]) {
      expect(text).toContain('1,234×');
      expect(text).toContain('teacher latency p50 / p99 (one call at a time)');
    }
    expect(renderTerminal(report)).toContain('teacher latency p50 / p99 (as collected)');
    expect(renderTerminal(report)).not.toContain('speed-up');
  });

  it('writes speed-ups of every size readably', () => {
    expect([1234.4, 42.6, 4.2, 0.5, 0.0234, 0.00012].map(speedupText)).toEqual(['1,234×', '43×', '4.2×', '0.5×', '0.023×', '0.00012×']);
  });

  it('keeps the training row when the saved student was reused', () => {
    const reused = { ...full, training: { ...full.training!, reused: true } };
    expect(renderMarkdown(reused)).toContain('best epoch 12/30 (stopped early), 4.3 s, 25,000 examples/s (the saved student, trained by an earlier run)');
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
