import { describe, expect, it } from 'vitest';
import { TemplateDetector } from './template-detector.js';
import { personPrompts, requests, templatePrompts, verdictAfter } from './test-traffic.js';

describe('TemplateDetector', () => {
  it('scores a person\'s varied prompts 0', async () => {
    const verdict = await verdictAfter(new TemplateDetector(), 'person', requests(personPrompts(1, 150), 0, 60_000));
    expect(verdict).toEqual({ score: 0, reasons: [] });
  });

  it('scores a template sweep high and says how much is fixed (without quoting the prompt by default)', async () => {
    const verdict = await verdictAfter(new TemplateDetector(), 'sweep', requests(templatePrompts(2, 150), 0, 2000));
    expect(verdict.score).toBe(1);
    expect(verdict.reasons[0]).toMatch(/^\d+ of the last 100 prompts \(\d+%\) fill in a shared skeleton, e\.g\. a skeleton of \d+ fixed words and \d+ slots \(\d+% of its word pairs fixed\)$/);
  });

  it('quotes the skeleton, slots elided, when asked to', async () => {
    const verdict = await verdictAfter(new TemplateDetector({ quoteSkeleton: true }), 'sweep', requests(templatePrompts(2, 60), 0, 2000));
    expect(verdict.reasons[0]).toMatch(/"write a … explanation of … for (a|an) … in the style of a …"/);
  });

  it('does not count a fixed instruction around long free text (an app, a batch job) as a sweep', async () => {
    const texts = personPrompts(3, 120).map((text, index) => `Summarize this customer review in one sentence: ${text} ${personPrompts(index, 1)[0]}`);
    const verdict = await verdictAfter(new TemplateDetector(), 'app', requests(texts, 0, 5000));
    expect(verdict.score).toBe(0);
  });

  it('ignores exact repeats (retries)', async () => {
    const verdict = await verdictAfter(new TemplateDetector(), 'retrier', requests(Array.from({ length: 60 }, () => 'Write a short explanation of magnets for a child.'), 0, 5000));
    expect(verdict).toEqual({ score: 0, reasons: [] });
  });
});
