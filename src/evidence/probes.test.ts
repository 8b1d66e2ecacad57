/** Identity probes: claims read out of answers (denials are not claims), and the probe run over real HTTP. */
import { describe, expect, it } from 'vitest';
import { claimedCutoffs, claimedModels, claimedVendors, PROBES, runProbes, summariseProbes } from './probes.js';
import { createSuspect } from './trace-suspect.js';
import { startTestModelServer } from './trace-test-server.js';

describe('claim extraction', () => {
  it('finds model and vendor names, through a model name too, and ignores denials', () => {
    expect(claimedModels('I am ChatGPT, a large language model trained by OpenAI.')).toEqual(['ChatGPT']);
    expect(claimedVendors('I am ChatGPT, a large language model.')).toEqual(['OpenAI']);
    expect(claimedModels("I'm not ChatGPT; I am Claude.")).toEqual(['Claude']);
    expect(claimedVendors('I was not made by OpenAI. Anthropic trained me.')).toEqual(['Anthropic']);
    expect(claimedModels('Built on GPT-4o and Llama 3')).toEqual(['GPT-4', 'Llama']);
    expect(claimedModels('I am a helpful assistant.')).toEqual([]);
  });

  it('normalises cut-off claims to year-month or year', () => {
    expect(claimedCutoffs('My knowledge cut-off is September 2021.')).toEqual(['2021-09']);
    expect(claimedCutoffs('Up to Oct. 2023, or roughly 2024.')).toEqual(['2023-10', '2024']);
    expect(claimedCutoffs('I do not know.')).toEqual([]);
  });
});

describe('runProbes against a suspect over HTTP', () => {
  it('reports "calls itself ChatGPT in 5 of 8" for a model that does so in five identity answers', async () => {
    const identityIds = PROBES.filter((probe) => probe.kind === 'identity').map((probe) => probe.id);
    expect(identityIds).toHaveLength(8);
    let identityCalls = 0;
    const answer = (prompt: string): string => {
      if (/cut-off|recent event/u.test(prompt)) return 'My training data goes up to September 2021.';
      if (/hot-wire/u.test(prompt)) return "I'm sorry, but I can't help with that.";
      identityCalls++;
      return identityCalls <= 5 ? 'I am ChatGPT, a large language model trained by OpenAI.' : 'I am Zeta, an assistant.';
    };
    const server = await startTestModelServer({ kind: 'rules', answer });
    try {
      const suspect = createSuspect({ baseURL: server.url, model: 'suspect', apiKey: 'unused', maxTokens: 64, temperature: 1, budgetUSD: 1 });
      const answers = await runProbes(suspect.ask, 1);
      expect(answers).toHaveLength(PROBES.length);
      const report = summariseProbes(answers);
      expect(report.headline).toContain('calls itself ChatGPT in 5 of 8 identity answers');
      expect(report.headline).toContain('names OpenAI as its maker in 5 of 8');
      expect(report.cutoffs).toEqual([{ name: '2021-09', answers: 2 }]);
      expect(report.refused).toBe(1);
    } finally {
      await server.close();
    }
  });
});
