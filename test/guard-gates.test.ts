/**
 * Capability gates at the gateway, with the official openai client and a real upstream (a trained
 * student behind `distillery serve`'s server): logprobs dropped or capped and `n` capped for gated
 * tiers, each change announced in x-distillery-gated, plain and streamed; an open tier untouched.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy, startGateway, type Gateway } from '../src/guard/index.js';
import type { ListeningServer } from '../src/serve/listen.js';
import { issue, startTicketsUpstream, temporaryGuardStore } from './guard-helpers.js';

const POLICY = parsePolicy([
  'gates:',
  '  tiers:',
  '    free: { logprobs: false, n: 1, maxTokens: 16 }',
  '    trial: { topLogprobs: 1 }',
].join('\n'));

let upstream: ListeningServer;
let gateway: Gateway;
let cleanup: () => Promise<void>;
const secrets: Record<string, string> = {};

beforeAll(async () => {
  upstream = await startTicketsUpstream();
  const temporary = temporaryGuardStore();
  cleanup = temporary.cleanup;
  gateway = await startGateway({ upstreamUrl: upstream.url, store: temporary.store, policy: POLICY, onError: () => undefined });
  for (const tier of ['open', 'free', 'trial']) secrets[tier] = (await issue(temporary.store, tier, tier)).secret;
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await cleanup();
});

const client = (tier: string) => new OpenAI({ baseURL: gateway.url, apiKey: secrets[tier] ?? '', maxRetries: 0 });
const ask = { model: 'tickets', messages: [{ role: 'user' as const, content: 'refund my invoice payment' }], logprobs: true, top_logprobs: 3 };

describe('capability gates at the gateway', () => {
  it('an open tier gets its logprobs and no gated header', async () => {
    const { data, response } = await client('open').chat.completions.create(ask).withResponse();
    expect(response.headers.get('x-distillery-gated')).toBeNull();
    expect(data.choices[0]?.logprobs?.content?.[0]?.top_logprobs).toHaveLength(3);
  });

  it('a gated tier gets the same answer without logprobs, and is told so', async () => {
    const open = await client('open').chat.completions.create(ask);
    const { data, response } = await client('free').chat.completions.create(ask).withResponse();
    expect(response.headers.get('x-distillery-gated')).toBe('logprobs=true->false, top_logprobs=3->none, max_tokens=unset->16');
    expect(data.choices[0]?.logprobs ?? null).toBeNull();
    expect(data.choices[0]?.message.content).toBe(open.choices[0]?.message.content);
  });

  it('caps top_logprobs for a tier allowed fewer alternatives', async () => {
    const { data, response } = await client('trial').chat.completions.create(ask).withResponse();
    expect(response.headers.get('x-distillery-gated')).toBe('top_logprobs=3->1');
    expect(data.choices[0]?.logprobs?.content?.[0]?.top_logprobs).toHaveLength(1);
  });

  it('caps n: the upstream refuses n=4 from an open tier and answers the gated one', async () => {
    await expect(client('open').chat.completions.create({ ...ask, n: 4 })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const { data, response } = await client('free').chat.completions.create({ ...ask, n: 4 }).withResponse();
    expect(response.headers.get('x-distillery-gated')).toMatch(/(^|, )n=4->1(,|$)/);
    expect(data.choices).toHaveLength(1);
  });

  it('gates a streamed answer chunk by chunk, announced before the first chunk', async () => {
    const { data, response } = await client('free').chat.completions.create({ ...ask, stream: true }).withResponse();
    expect(response.headers.get('x-distillery-gated')).toContain('logprobs=true->false');
    let text = '';
    for await (const chunk of data) {
      expect(chunk.choices[0]?.logprobs ?? null).toBeNull();
      text += chunk.choices[0]?.delta.content ?? '';
    }
    const open = await client('open').chat.completions.create({ ...ask, stream: true });
    let openText = '';
    let alternatives = 0;
    for await (const chunk of open) {
      openText += chunk.choices[0]?.delta.content ?? '';
      alternatives += chunk.choices[0]?.logprobs?.content?.[0]?.top_logprobs.length ?? 0;
    }
    expect(text).toBe(openText);
    expect(alternatives).toBe(3);
  });
});
