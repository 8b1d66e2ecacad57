/**
 * The student runtime in a real browser (behind DISTILLERY_E2E=1, which CI sets; .ci/run installs
 * Chromium): src/student/runtime.ts is bundled for the browser by esbuild (a Node import anywhere in
 * its graph fails the bundle), served with two student files from a loopback server, loaded in
 * headless Chromium, and must predict exactly what Node predicts from the same files — label and every
 * probability to the last float bit (both sides run the same float32/float64 arithmetic in V8).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStudentFile, saveStudent } from '../src/student/file-format.js';
import { createBagMlpStudent } from '../src/student/bag-mlp/bag-mlp-student.js';
import { createNgramStudent } from '../src/student/ngram/ngram-student.js';
import { SYNTHETIC_LABELS, syntheticExamples, testSettings, xorExamples } from '../src/student/synthetic-task.js';

const enabled = process.env['DISTILLERY_E2E'] === '1';
const CHROMIUM = '/usr/bin/chromium';
if (!enabled) console.log(`student-browser.e2e: skipped (set DISTILLERY_E2E=1 to run it; it needs ${CHROMIUM}, which .ci/run installs)`);

interface PagePrediction { label: string; index: number; probabilities: number[] }

const PAGE = `<!doctype html><meta charset="utf-8"><title>student runtime</title>
<script type="module">
  import { studentFromBytes } from '/runtime.js';
  window.predictAll = async (file, texts) => {
    const response = await fetch(file);
    const student = studentFromBytes(new Uint8Array(await response.arrayBuffer()));
    return texts.map((text) => {
      const { label, index, probabilities } = student.predict(text);
      return { label, index, probabilities: Array.from(probabilities) };
    });
  };
  window.runtimeReady = true;
</script>`;

describe.skipIf(!enabled)('student runtime in headless Chromium (end to end)', () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-browser-'));
  const requested: string[] = [];
  let server: Server;
  let origin = '';
  let browser: Browser | undefined;
  let bundle = '';

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: .ci/run installs it (apt-get install -y chromium)`).toBe(true);
    // platform browser: esbuild refuses to resolve node:* (and bare built-ins), so a Node import fails here.
    const result = await build({ entryPoints: ['src/student/runtime.ts'], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
    bundle = result.outputFiles[0]!.text;

    const ngram = createNgramStudent([...SYNTHETIC_LABELS], testSettings({ epochs: 6 }));
    ngram.fit(syntheticExamples(300, 1), syntheticExamples(60, 2));
    await saveStudent(ngram, path.join(folder, 'ngram.student'));
    const bagMlp = createBagMlpStudent(['same', 'different'], testSettings({ kind: 'bag-mlp', epochs: 15, charNgramMax: 0, charNgramMin: 0 }));
    bagMlp.fit(xorExamples(300, 3), xorExamples(60, 4));
    await saveStudent(bagMlp, path.join(folder, 'bag-mlp.student'));

    server = createServer((request, response) => {
      requested.push(request.url ?? '');
      const url = request.url ?? '/';
      if (url === '/') response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      else if (url === '/runtime.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      else if (/^\/[a-z-]+\.student$/.test(url)) response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(path.join(folder, url.slice(1))));
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    rmSync(folder, { recursive: true, force: true });
  });

  it('the browser bundle contains no Node built-in import', () => {
    expect(bundle).not.toMatch(/from\s*["']node:|require\(["']node:/);
  });

  it.each([
    ['ngram.student', syntheticExamples(40, 9).map((example) => example.text).concat(['', 'goal goal goal', 'ünïcödé café 🎵 melody'])],
    ['bag-mlp.student', xorExamples(40, 9).map((example) => example.text).concat(['', 'alpha', 'bravo', 'alpha bravo'])],
  ])('%s: Chromium predicts the same label and bit-identical probabilities as Node', async (file, texts) => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (globalThis as unknown as { runtimeReady?: boolean }).runtimeReady === true);
    const inBrowser = await page.evaluate(
      ([name, list]) => (globalThis as unknown as { predictAll(file: string, texts: string[]): Promise<PagePrediction[]> }).predictAll(name, list),
      [`/${file}`, texts] as const,
    );
    await page.close();
    expect(errors).toEqual([]);

    const student = loadStudentFile(path.join(folder, file));
    const inNode = texts.map((text) => {
      const { label, index, probabilities } = student.predict(text);
      return { label, index, probabilities: Array.from(probabilities) };
    });
    // Float32 values widen to doubles exactly and JSON round-trips doubles exactly: toEqual is bit equality.
    expect(inBrowser).toEqual(inNode);
    expect(new Set(inNode.map((prediction) => prediction.label)).size).toBeGreaterThan(1); // a trained model, not a constant
    expect(requested.every((url) => url === '/' || url === '/runtime.js' || url.endsWith('.student') || url === '/favicon.ico')).toBe(true);
  }, 60_000);
});
