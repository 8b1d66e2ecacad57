import { describe, expect, it } from 'vitest';
import type { BootstrapInterval } from './bootstrap.js';
import { CELL_TEXT_LIMIT, formatFigure, renderGenerativeReport, worstExamples, type GenerativeReportInput, type ScoredExample } from './generative-report.js';
import { summariseJudgements } from './judge.js';

const interval = (estimate: number, lower: number, upper: number, examples = 40): BootstrapInterval => ({ estimate, lower, upper, confidence: 0.95, resamples: 1000, examples });

const EXAMPLES: ScoredExample[] = [
  { input: 'fine', teacher: '{"a":1}', student: '{"a":1}', score: 1 },
  { input: 'Tom | Jerry\nline two', teacher: '{"people":["Tom"]}', student: '<script>alert("x")</script>', score: 0 },
  { input: 'half', teacher: '{"a":1,"b":2}', student: '{"a":1}', score: 0.5 },
  { input: 'also zero', teacher: '*bold* `code` [link]', student: '', score: 0 },
];

const INPUT: GenerativeReportInput = {
  headline: [
    { name: 'field F1', interval: interval(0.8342, 0.8013, 0.8621), scale: 'proportion' },
    { name: 'chrF', interval: interval(61.234, 58.01, 64.49), scale: 'score100' },
  ],
  examples: EXAMPLES,
  scoreName: 'field F1',
  scoreScale: 'proportion',
  worstLimit: 3,
};

describe('generative report pieces', () => {
  it('headline figures carry their bootstrap interval and n', () => {
    expect(formatFigure(INPUT.headline[0] ?? { name: '', interval: interval(0, 0, 0), scale: 'number' })).toBe('83.4% (95% CI 80.1–86.2%, n=40)');
    expect(formatFigure(INPUT.headline[1] ?? { name: '', interval: interval(0, 0, 0), scale: 'number' })).toBe('61.2 (95% CI 58.0–64.5, n=40)');
  });

  it('worst examples: lowest score first, ties in test order, cut at the limit', () => {
    expect(worstExamples(EXAMPLES, 3).map((example) => example.input)).toEqual(['Tom | Jerry\nline two', 'also zero', 'half']);
    expect(worstExamples(EXAMPLES, 0)).toEqual([]);
  });

  it('Markdown: a figures table and the worst examples side by side, every cell escaped', () => {
    const { markdown } = renderGenerativeReport(INPUT);
    expect(markdown.split('\n')).toEqual([
      '| figure | value |',
      '|---|---|',
      '| field F1 | 83.4% (95% CI 80.1–86.2%, n=40) |',
      '| chrF | 61.2 (95% CI 58.0–64.5, n=40) |',
      '',
      '## Worst examples by field F1 (3 of 4, lowest first)',
      '',
      '| input | teacher | student | score |',
      '|---|---|---|---|',
      '| Tom \\| Jerry ↵ line two | {"people":\\["Tom"\\]} | &lt;script&gt;alert("x")&lt;/script&gt; | 0.0% |',
      '| also zero | \\*bold\\* \\`code\\` \\[link\\] |  | 0.0% |',
      '| half | {"a":1,"b":2} | {"a":1} | 50.0% |',
    ]);
  });

  it('HTML: no raw markup from the answers, line breaks kept', () => {
    const { html } = renderGenerativeReport(INPUT);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    expect(html).toContain('Tom | Jerry<br>line two');
    expect(html).toContain('<th>field F1</th><td>83.4% (95% CI 80.1–86.2%, n=40)</td>');
    expect(html.match(/<tr><td class="text">/g)).toHaveLength(3);
  });

  it('long answers are clipped to the cell limit', () => {
    const long = 'x'.repeat(CELL_TEXT_LIMIT + 50);
    const { markdown } = renderGenerativeReport({ ...INPUT, examples: [{ input: 'i', teacher: long, student: 's', score: 0 }] });
    expect(markdown).toContain(`${'x'.repeat(CELL_TEXT_LIMIT - 1)}…`);
    expect(markdown).not.toContain('x'.repeat(CELL_TEXT_LIMIT));
  });

  it('the judge line shows win/tie/loss, unparseable and both lengths', () => {
    const pairs = [{ input: 'q', teacher: 'four words right here', student: 'two words' }, { input: 'q2', teacher: 'abc', student: 'abcdef' }];
    const judge = summariseJudgements(pairs, [
      { index: 0, outcome: 'win', studentFirst: 'A', teacherFirst: 'B' },
      { index: 1, outcome: 'unparseable', studentFirst: 'unparseable', teacherFirst: 'A' },
    ], { calls: 4, costUSD: 0.001 });
    const { markdown, html } = renderGenerativeReport({ ...INPUT, judge });
    const line = 'Judge: student wins 1, ties 0, loses 0, 1 unparseable of 2 pairs (each judged in both orders; a win needs both); '
      + 'mean answer length: student 7.5 characters / 1.5 words, teacher 12.0 / 2.5.';
    expect(markdown).toContain(line);
    expect(html).toContain('student wins 1, ties 0, loses 0, 1 unparseable of 2 pairs');
  });

  it('an empty test split says so', () => {
    const { markdown, html } = renderGenerativeReport({ ...INPUT, examples: [] });
    expect(markdown).toContain('None: the test split is empty.');
    expect(html).toContain('None: the test split is empty.');
  });

  it('extract: a per-field table, most supported first, paths escaped', () => {
    const field = (path: string, truePositives: number, falsePositives: number, falseNegatives: number) => ({ path, truePositives, falsePositives, falseNegatives, precision: truePositives / (truePositives + falsePositives), recall: truePositives / (truePositives + falseNegatives), f1: 0.5 });
    const { markdown, html } = renderGenerativeReport({ ...INPUT, fields: [field('places[]', 1, 1, 1), field('people[]', 3, 1, 1), field('a["<b>"]', 1, 0, 0)] });
    expect(markdown).toContain([
      '## Fields (3 of 3, most supported first)',
      '',
      '| field | precision | recall | F1 | support |',
      '|---|---|---|---|---|',
      '| people\\[\\] | 75.0% | 75.0% | 50.0% | 4 |',
      '| places\\[\\] | 50.0% | 50.0% | 50.0% | 2 |',
      '| a\\["&lt;b&gt;"\\] | 100.0% | 100.0% | 50.0% | 1 |',
    ].join('\n'));
    expect(html).toContain('<td>a[&#34;&#60;b&#62;&#34;]</td>');
  });
});
