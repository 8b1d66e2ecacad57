import { describe, expect, it } from 'vitest';
import { ElicitationDetector, elicitationFlags } from './elicitation-detector.js';
import { personPrompts, request, requests, verdictAfter } from './test-traffic.js';

describe('ElicitationDetector', () => {
  it('recognises requests for reasoning, probabilities and several samples', () => {
    expect(elicitationFlags(request(0, 'Solve this step by step: 2 + 2'))).toBe(1);
    expect(elicitationFlags(request(0, 'What is 2 + 2?', { systemPrompt: 'Think carefully and show your reasoning before the final answer.' }))).toBe(1);
    expect(elicitationFlags(request(0, 'hi', { logprobs: true }))).toBe(2);
    expect(elicitationFlags(request(0, 'hi', { n: 4 }))).toBe(4);
    expect(elicitationFlags(request(0, 'What steps should I take to learn piano?'))).toBe(0);
  });

  it('scores a person who now and then asks for steps low', async () => {
    const prompts = personPrompts(1, 150).map((prompt, index) => (index % 12 === 0 ? `Explain step by step: ${prompt}` : prompt));
    const verdict = await verdictAfter(new ElicitationDetector(), 'person', requests(prompts, 0, 60_000));
    expect(verdict.score).toBe(0);
    expect(verdict.reasons).toEqual(['13 of the last 150 requests (9%) ask for step-by-step reasoning']);
  });

  it('scores a reasoning-trace harvester high', async () => {
    const prompts = personPrompts(2, 120).map((prompt) => `Let's think step by step. ${prompt}`);
    const verdict = await verdictAfter(new ElicitationDetector(), 'harvester', requests(prompts, 0, 2000, { n: 4 }));
    expect(verdict.score).toBe(1);
    expect(verdict.reasons).toEqual(['120 of the last 120 requests (100%) ask for step-by-step reasoning', '120 of the last 120 requests (100%) ask for several completions (n up to 4)']);
  });

  it('scores full distributions (top_logprobs 20) high, and a classifier\'s top 3 at most half', async () => {
    const prompts = personPrompts(3, 100);
    const full = await verdictAfter(new ElicitationDetector(), 'k', requests(prompts, 0, 1000, { logprobs: true, topLogprobs: 20 }));
    expect(full.score).toBe(1);
    expect(full.reasons[0]).toBe('100 of the last 100 requests (100%) ask for logprobs (top_logprobs up to 20)');
    const shallow = await verdictAfter(new ElicitationDetector(), 'k', requests(prompts, 0, 1000, { logprobs: true, topLogprobs: 3 }));
    expect(shallow.score).toBe(0.5);
  });

  it('needs some evidence: five requests cannot reach the full score', async () => {
    const verdict = await verdictAfter(new ElicitationDetector(), 'k', requests(['step by step please', 'step by step', 'step by step again', 'step-by-step', 'step by step'], 0, 1000));
    expect(verdict.score).toBeCloseTo(0.1, 5);
  });
});
