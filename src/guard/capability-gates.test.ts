import { describe, expect, it } from 'vitest';
import { SpecError } from '../task/load.js';
import { answerGate, summariseReasoning } from './answer-gate.js';
import { gateRequest, gatesFor } from './capability-gates.js';
import { parsePolicy } from './policy-file.js';

const POLICY = [
  'gates:',
  '  default:',
  '    maxTokens: 4096',
  '  tiers:',
  '    free:',
  '      logprobs: false',
  '      n: 1',
  '      reasoning: summary',
  '    trial:',
  '      topLogprobs: 2',
  '  keys:',
  '    key_1:',
  '      logprobs: true',
].join('\n');

describe('capability gates', () => {
  it('layers default, tier and key gates field by field from the policy file', () => {
    const config = parsePolicy(POLICY);
    expect(gatesFor(config.gates, 'key_9', 'free')).toEqual({ maxTokens: 4096, logprobs: false, n: 1, reasoning: 'summary' });
    expect(gatesFor(config.gates, 'key_1', 'free')).toEqual({ maxTokens: 4096, logprobs: true, n: 1, reasoning: 'summary' });
    expect(gatesFor(config.gates, 'key_9', 'enterprise')).toEqual({ maxTokens: 4096 });
  });

  it('names the file, line and field of a wrong gate', () => {
    let error: unknown;
    try {
      parsePolicy(['gates:', '  tiers:', '    free:', '      reasoning: hide', '      topLogprobs: 50', '      nn: 1'].join('\n'), 'policy.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SpecError);
    const message = (error as SpecError).message;
    expect(message).toMatch(/policy\.yaml:4:\d+: gates\.tiers\.free\.reasoning/);
    expect(message).toMatch(/policy\.yaml:5:\d+: gates\.tiers\.free\.topLogprobs/);
    expect(message).toMatch(/policy\.yaml:6:\d+: gates\.tiers\.free: unknown setting "nn"/);
  });

  it('drops logprobs, caps n and the answer length, and lists each change', () => {
    const sent = { model: 'm', messages: [], logprobs: true, top_logprobs: 5, n: 4, max_completion_tokens: 9000 };
    const { body, changes } = gateRequest('/v1/chat/completions', sent, { logprobs: false, n: 1, maxTokens: 512, reasoning: 'strip' });
    expect(body).toEqual({ model: 'm', messages: [], n: 1, max_completion_tokens: 512 });
    expect(changes).toEqual(['logprobs=true->false', 'top_logprobs=5->none', 'n=4->1', 'max_completion_tokens=9000->512', 'reasoning=strip']);
    expect(sent.top_logprobs).toBe(5);
  });

  it('caps the legacy completions logprobs integer and sets max_tokens when none was sent', () => {
    const { body, changes } = gateRequest('/v1/completions', { prompt: 'x', logprobs: 5 }, { topLogprobs: 1, maxTokens: 64 });
    expect(body).toEqual({ prompt: 'x', logprobs: 1, max_tokens: 64 });
    expect(changes).toEqual(['logprobs=5->1', 'max_tokens=unset->64']);
  });

  it('leaves a request within its gates as it was, and embeddings alone', () => {
    const sent = { messages: [], logprobs: true, top_logprobs: 1, max_tokens: 10 };
    expect(gateRequest('/v1/chat/completions', sent, { topLogprobs: 2, maxTokens: 64 })).toEqual({ body: sent, changes: [] });
    expect(gateRequest('/v1/embeddings', { input: 'x' }, { logprobs: false }).changes).toEqual([]);
  });

  it('summarises reasoning as its opening cut at a word, saying how much was withheld', () => {
    const text = 'First I compare the two options carefully. '.repeat(20);
    const summary = summariseReasoning(text, 60);
    expect(summary).toMatch(/^First I compare the two options carefully\. First I compare… \[summary by the provider's gateway: 801 of 859 characters withheld\]$/);
    expect(summariseReasoning('short', 60)).toBe('short');
  });

  it('truncates top_logprobs of an answer the upstream over-served', () => {
    const answer = { choices: [{ index: 0, message: { content: 'a', reasoning_content: 'why' }, logprobs: { content: [{ token: 'a', logprob: -0.1, top_logprobs: [{ token: 'a' }, { token: 'b' }, { token: 'c' }] }] } }] };
    const out = JSON.parse(answerGate({ topLogprobs: 1, reasoning: 'strip' }).rewriteBody(Buffer.from(JSON.stringify(answer))).toString()) as typeof answer;
    expect(out.choices[0]?.logprobs.content[0]?.top_logprobs).toEqual([{ token: 'a' }]);
    expect(out.choices[0]?.message).toEqual({ content: 'a' });
  });
});
