/**
 * `distillery trace` against suspects that misbehave, injected by the test-only server's scripted
 * faults (no real model answers this way on purpose): unreachable, refusing the key, refusing every
 * prompt, answering empty. Each is one line naming the cause, exit 4.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli-helpers.js';
import { runTrace } from '../evidence/trace.js';
import { builtInTracePrompts } from '../evidence/trace-prompts.js';
import { createSuspect } from '../evidence/trace-suspect.js';
import { startTestModelServer, type TestModelServer } from '../evidence/trace-test-server.js';
import { testKey } from '../evidence/trace-test-model.js';
import { resolveTraceTokenizer } from '../evidence/trace-tokenizer.js';
import { EXIT } from '../util/errors.js';
import { describeFailure } from './exit-codes.js';

const servers: Record<string, TestModelServer> = {};

beforeAll(async () => {
  servers.empty = await startTestModelServer({ kind: 'rules', answer: () => '' }, 'empty');
  servers.refuse = await startTestModelServer({ kind: 'rules', answer: () => '' }, 'refuse');
  servers.forbidden = await startTestModelServer({ kind: 'rules', answer: () => '' }, 'http-403');
});

afterAll(async () => {
  for (const server of Object.values(servers)) await server.close();
});

/** The failure of a trace against `baseURL`, as the CLI would report it. */
async function failureAgainst(baseURL: string): Promise<{ code: number; message: string } | undefined> {
  const suspect = createSuspect({ baseURL, model: 'm', apiKey: 'unused', maxTokens: 32, temperature: 1, budgetUSD: 1 });
  const tokenizer = await resolveTraceTokenizer('o200k');
  return runTrace({ key: testKey(), tokenizer, suspect, prompts: builtInTracePrompts() }).then(() => undefined, (error: unknown) => describeFailure(error));
}

describe('trace against a misbehaving suspect', () => {
  it('empty answers, refusals, a refused key: exit 4 with the cause', async () => {
    expect(await failureAgainst(servers.empty!.url)).toEqual({ code: EXIT.teacher, message: expect.stringMatching(/returned empty answers to all 5 prompts; nothing to score/u) });
    expect(servers.empty!.calls()).toBe(5);
    expect(await failureAgainst(servers.refuse!.url)).toEqual({ code: EXIT.teacher, message: expect.stringMatching(/refused all 20 prompts/u) });
    expect(await failureAgainst(servers.forbidden!.url)).toEqual({ code: EXIT.teacher, message: expect.stringMatching(/refused the API key \(HTTP 403\)/u) });
  });

  it('an unreachable suspect: one line on stderr, exit 4 (the CLI itself)', async () => {
    const closed = await startTestModelServer({ kind: 'rules', answer: () => '' });
    const url = closed.url;
    await closed.close();
    const result = await runCli(['trace', '--suspect', url, '--model', 'm', '--probes', '--quiet']);
    expect(result.code).toBe(EXIT.teacher);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^distillery: the suspect at http:\/\/127\.0\.0\.1:\d+\/v1 could not be reached/u)]);
  }, 30_000);
});
