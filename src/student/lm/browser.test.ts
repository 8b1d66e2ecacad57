/**
 * E2E (DISTILLERY_E2E=1): the inference path bundled for browsers (esbuild, platform "browser",
 * which fails on any Node built-in) loads a student file in headless Chromium and generates exactly
 * what Node generates. Without E2E the test is skipped; with E2E a missing Chromium is a failure.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trainLanguageModelStudent } from './lm-student.js';
import { importOptional, type EsbuildModule, type PlaywrightModule } from './optional-modules.js';
import { colourExamples, COLOUR_SCHEMA } from './synthetic-text.js';

const E2E = process.env.DISTILLERY_E2E === '1';
const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!E2E)('language-model student in a browser', () => {
  it('generates in headless Chromium what it generates in Node', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    const { build } = await importOptional<EsbuildModule>('esbuild');
    const bundle = await build({
      stdin: { contents: "export { languageModelFromBytes } from './lm-student.ts';", resolveDir: new URL('.', import.meta.url).pathname, loader: 'ts' },
      bundle: true, format: 'esm', platform: 'browser', write: false,
    });
    const { student } = trainLanguageModelStudent(colourExamples(4), colourExamples(1), {
      vocabularySize: 300, config: { width: 32, layers: 2, heads: 4, keyValueHeads: 2, hiddenWidth: 64, context: 48 },
      training: { steps: 60, batchSize: 12, learningRate: 1e-2, warmupSteps: 10, evaluateEvery: 20, patience: 100, seed: 3 },
    });
    const requests = [
      { prompt: 'colour: green', options: { maxTokens: 40, topLogprobs: 2 } },
      { prompt: 'colour: purple', options: { maxTokens: 40, temperature: 0.8, seed: 5 } },
      { prompt: 'colour: grey', options: { maxTokens: 60, schema: COLOUR_SCHEMA } },
    ];
    const inNode = requests.map(({ prompt, options }) => student.generate(prompt, options));
    const { chromium } = await importOptional<PlaywrightModule>('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      const source = bundle.outputFiles[0]?.text ?? '';
      // A string, not a function: the test runner would rewrite a function's dynamic import.
      const script = `(async () => {
        const url = URL.createObjectURL(new Blob([${JSON.stringify(source)}], { type: 'text/javascript' }));
        const module = await import(url);
        const loaded = module.languageModelFromBytes(Uint8Array.from(${JSON.stringify(Array.from(student.toBytes()))}));
        return ${JSON.stringify(requests)}.map(({ prompt, options }) => loaded.generate(prompt, options));
      })()`;
      const inBrowser: unknown = await page.evaluate(script);
      const browserGenerations = inBrowser as typeof inNode;
      // Same text and tokens exactly; logprobs to 1e-9 (the two V8s' Math.exp may differ in the last bits).
      expect(browserGenerations.map(({ text, tokens, finishReason }) => ({ text, tokens, finishReason }))).toEqual(inNode.map(({ text, tokens, finishReason }) => ({ text, tokens, finishReason })));
      browserGenerations.forEach((generation, index) => generation.logprobs.forEach((entry, at) => expect(entry.logprob).toBeCloseTo(inNode[index]?.logprobs[at]?.logprob ?? 0, 9)));
    } finally {
      await browser.close();
    }
  }, 120_000);
});
