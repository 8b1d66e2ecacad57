/**
 * `distillery trace` as a user runs it, against real HTTP servers in this process: a tiny language
 * model trained here, served with the KGW processor in its decoder hook (watermarked) or without it
 * (control), tokenised by --tokenizer with the model's own student file; rule-based servers for the
 * terse suspect and the attribution candidates.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../../test/cli-helpers.js';
import { kgwProcessor } from '../evidence/kgw.js';
import { startTestModelServer, type TestModelServer } from '../evidence/trace-test-server.js';
import { testKey, testKeyText, trainWordModel } from '../evidence/trace-test-model.js';
import { EXIT } from '../util/errors.js';
import { describeFailure } from './exit-codes.js';
import { NOT_ENOUGH_EVIDENCE_EXIT, prepareTrace, TRACE_FLAG_DEFAULTS } from './trace-command.js';
import type { TraceFlags } from './trace-options.js';

let folder: string;
let keyFile: string;
let modelFile: string;
let promptsFile: string;
const servers: Record<string, TestModelServer> = {};

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-trace-'));
  keyFile = path.join(folder, 'key.json');
  writeFileSync(keyFile, testKeyText());
  const model = trainWordModel();
  modelFile = path.join(folder, 'owner.lm');
  writeFileSync(modelFile, model.bytes);
  const processor = kgwProcessor(testKey());
  const logitsProcessor = (logits: Float32Array, state: { generated: readonly number[] }) => processor(logits, state.generated);
  promptsFile = path.join(folder, 'logs.jsonl');
  const lines = Array.from({ length: 10 }, (_, index) => JSON.stringify({ prompt: `words ${index}`, answer: model.student.generate(`words ${index}`, { maxTokens: 40, temperature: 1, seed: index, logitsProcessor }).text }));
  writeFileSync(promptsFile, `${lines.join('\n')}\n`);
  servers.watermarked = await startTestModelServer({ kind: 'lm', bytes: model.bytes, logitsProcessor });
  servers.control = await startTestModelServer({ kind: 'lm', bytes: model.bytes });
  servers.untouched = await startTestModelServer({ kind: 'rules', answer: () => 'never asked' });
  servers.terse = await startTestModelServer({ kind: 'rules', answer: () => 'apple river stone' });
  servers.openaiLike = await startTestModelServer({ kind: 'rules', answer: (prompt, call) => (/cut-off|recent/u.test(prompt) ? 'My knowledge cutoff is September 2021.' : call % 2 === 0 ? 'I am ChatGPT, a large language model trained by OpenAI.' : 'As an AI language model developed by OpenAI, I am happy to help.') });
  servers.anthropicLike = await startTestModelServer({ kind: 'rules', answer: (prompt, call) => (/cut-off|recent/u.test(prompt) ? 'My training data runs until early 2024.' : call % 2 === 0 ? "I'm Claude, an AI assistant made by Anthropic." : 'I am Claude, created by Anthropic to be helpful and honest.') });
}, 60_000);

afterAll(async () => {
  for (const server of Object.values(servers)) await server.close();
  rmSync(folder, { recursive: true, force: true });
});

const traceArgs = (server: TestModelServer, ...extra: string[]) => ['trace', '--suspect', server.url, '--model', 'word-model', '--key', keyFile, '--tokenizer', modelFile, '--prompts', promptsFile, '--max-tokens', '40', ...extra];

describe('distillery trace', () => {
  it('finds the watermarked suspect radioactive (p < 1e-6, reading mode too) and the control not, with the curve in --out', async () => {
    const out = path.join(folder, 'out');
    const [marked, clean] = await Promise.all([runCli([...traceArgs(servers.watermarked!, '--rounds', '5', '--json', '--out', out)]), runCli([...traceArgs(servers.control!, '--rounds', '3', '--json')])]);
    expect(marked.code, marked.stderr).toBe(0);
    const markedReport = jsonLines(marked.stdout)[0] as { watermark: { verdict: string; score: { pValue: number; scored: number }; stop: string }; reading: { available: boolean; verdict: string } };
    expect(markedReport.watermark.verdict).toBe('radioactive');
    expect(markedReport.watermark.score.pValue).toBeLessThan(1e-6);
    expect(markedReport.watermark.stop).toBe('target');
    expect(markedReport.reading).toMatchObject({ available: true, verdict: 'radioactive' });
    expect(marked.stderr).toMatch(/trace: 1 answers, \d+ tokens, \d+ tuples scored, p = /u);
    expect(readFileSync(path.join(out, 'trace.svg'), 'utf8')).toContain('<svg');
    expect(JSON.parse(readFileSync(path.join(out, 'trace.json'), 'utf8')).watermark.verdict).toBe('radioactive');
    expect(clean.code, clean.stderr).toBe(0);
    const cleanReport = jsonLines(clean.stdout)[0] as { watermark: { verdict: string; score: { pValue: number } }; reading: { verdict: string } };
    expect(cleanReport.watermark.verdict).toBe('not significant');
    expect(cleanReport.watermark.score.pValue).toBeGreaterThan(1e-3);
    expect(cleanReport.reading.verdict).not.toBe('radioactive');
  }, 60_000);

  it(`says "not enough evidence" with exit ${NOT_ENOUGH_EVIDENCE_EXIT} when too few tuples were scored`, async () => {
    const result = await runCli(traceArgs(servers.terse!, '--quiet', '--no-reading'));
    expect(result.code).toBe(NOT_ENOUGH_EVIDENCE_EXIT);
    expect(result.stdout).toMatch(/watermark: not enough evidence: 2 distinct tuples scored/u);
    expect(result.stderr).toBe('');
  }, 30_000);

  it('reports the identity claims and the parent a suspect resembles, with held-out accuracy', async () => {
    const args = ['trace', '--suspect', servers.openaiLike!.url, '--model', 'suspect', '--probes', '--probe-samples', '2', '--candidate', `a=m@${servers.anthropicLike!.url}`, '--candidate', `o=m@${servers.openaiLike!.url}`, '--quiet'];
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/calls itself ChatGPT in \d+ of 16 identity answers/u);
    expect(result.stdout).toMatch(/the suspect's answers most resemble o:/u);
    expect(result.stdout).toMatch(/held-out accuracy \d+\.\d% \(\d+\/\d+; 95% Wilson/u);
  }, 30_000);
});

describe('distillery trace: bad input, one line each', () => {
  it('a missing key file: one line on stderr, exit 2, no call made (the CLI itself)', async () => {
    const result = await runCli(['trace', '--suspect', servers.untouched!.url, '--model', 'm', '--key', path.join(folder, 'absent.json')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^distillery: cannot read the watermark key .*absent\.json: no such file/u)]);
    expect(servers.untouched!.calls()).toBe(0);
  }, 30_000);

  it('a malformed or other-scheme key file, a bad flag, a bad prompts file or tokenizer: exit 2 before any call', async () => {
    const malformed = path.join(folder, 'malformed.json');
    writeFileSync(malformed, '{"scheme": "kgw", "version": 1, "secret": "short"');
    const lexical = path.join(folder, 'lexical.json');
    writeFileSync(lexical, JSON.stringify({ scheme: 'lexical', version: 1, secret: 'x' }));
    const badPrompts = path.join(folder, 'bad.jsonl');
    writeFileSync(badPrompts, '{"prompt": "ok"}\n{"text": 3}\n');
    const base = { ...TRACE_FLAG_DEFAULTS, suspect: servers.untouched!.url, model: 'm' };
    const cases: Array<[Partial<TraceFlags>, RegExp]> = [
      [{ key: malformed }, /not a watermark key file \(invalid JSON/u],
      [{ key: lexical }, /"scheme" must be one of kgw, gumbel, got "lexical"/u],
      [{ key: keyFile, targetP: '2' }, /--target-p must be a probability strictly between 0 and 1/u],
      [{ key: keyFile, prompts: badPrompts }, /bad\.jsonl:2: a prompt line needs "prompt"/u],
      [{ key: keyFile, tokenizer: path.join(folder, 'absent.lm') }, /--tokenizer must be o200k, cl100k or a language-model student file; cannot read/u],
      [{}, /give --key key\.json for the watermark test, or --probes/u],
      [{ candidate: ['only-a-name'] }, /--candidate must be NAME=MODEL@URL/u],
      [{ key: keyFile, suspect: 'ftp://host' }, /--suspect must be an http:\/\/ or https:\/\/ URL/u],
    ];
    for (const [flags, message] of cases) {
      const failure = await prepareTrace({ ...base, ...flags }).then(() => undefined, (error: unknown) => describeFailure(error));
      expect(failure, String(message)).toBeDefined();
      expect(failure!.code).toBe(EXIT.invalidInput);
      expect(failure!.message).toMatch(message);
      expect(failure!.message.split('\n')).toHaveLength(1);
    }
    expect(servers.untouched!.calls()).toBe(0);
  });

  it('a remote suspect without an API key: exit 6', async () => {
    const failure = await prepareTrace({ ...TRACE_FLAG_DEFAULTS, suspect: 'https://api.example.com/v1', model: 'gpt-4o', key: keyFile, apiKeyEnv: 'DISTILLERY_TEST_UNSET_KEY' }).then(() => undefined, (error: unknown) => describeFailure(error));
    expect(failure).toEqual({ code: EXIT.missingKey, message: expect.stringMatching(/^set DISTILLERY_TEST_UNSET_KEY to the API key of https:\/\/api\.example\.com\/v1/u) });
  });
});
