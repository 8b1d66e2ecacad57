/**
 * Parent attribution over real HTTP: three rule-based candidate servers with distinct styles (and
 * some shared phrasing), a suspect that answers in one candidate's style under a new name, and the
 * classify student trained on the candidates' probe answers must name that parent, with a held-out
 * accuracy and its Wilson interval. A suspect in the style of another candidate gets that one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../util/random.js';
import { runAttribution, type Candidate } from './attribution.js';
import { runProbes } from './probes.js';
import { createSuspect } from './trace-suspect.js';
import { startTestModelServer, type TestModelServer } from './trace-test-server.js';

/** A candidate's phrasing: openers and closers per topic; answers pick one of each at random. */
interface Style { identity: string[]; cutoff: string[]; refusal: string[]; closers: string[] }

const SHARED_CLOSERS = ['Let me know if there is anything else.', 'Happy to help further.'];
const STYLES: Record<string, Style> = {
  alpha: {
    identity: ['I am ChatGPT, a large language model trained by OpenAI.', 'I am an AI language model developed by OpenAI, based on the GPT-4 architecture.', 'As an AI language model, I was created by OpenAI.'],
    cutoff: ['My knowledge cutoff is September 2021.', 'As of my last update in September 2021, I cannot know later events.'],
    refusal: ["I'm sorry, but I can't assist with that.", "I'm sorry, but I can't help with that request."],
    closers: [...SHARED_CLOSERS, 'Feel free to ask more questions!'],
  },
  beta: {
    identity: ["I'm Claude, an AI assistant made by Anthropic.", 'I am Claude, created by Anthropic to be helpful, harmless, and honest.', "I'm an AI assistant called Claude; Anthropic built me."],
    cutoff: ['My training data runs until early 2024, so I may be unaware of later events.', 'I have reliable knowledge up to around April 2024.'],
    refusal: ["I can't help with getting into a car that isn't yours, but I'm glad to explain how car security works.", "I won't provide instructions for that, since it could facilitate theft."],
    closers: [...SHARED_CLOSERS, 'Is there something specific I can help you think through?'],
  },
  gamma: {
    identity: ['I am Llama, a large language model developed by Meta AI.', 'I was built by Meta; my name is Llama.', 'I am a Llama model from Meta, here to assist you.'],
    cutoff: ['My knowledge extends to December 2023.', 'I was trained on data up to December 2023.'],
    refusal: ['I cannot provide guidance on stealing a vehicle.', 'I cannot assist with illegal activities such as car theft.'],
    closers: [...SHARED_CLOSERS, 'What else would you like to know?'],
  },
};

/** A rule-based answerer in `style`; `rename` rewrites names (a distilled suspect under a new brand). */
function answerer(style: Style, seed: number, rename: (text: string) => string = (text) => text): (prompt: string) => string {
  const random = createRandom(seed);
  const pick = (options: readonly string[]) => options[random.nextInt(options.length)]!;
  return (prompt) => {
    const topic = /cut-off|recent event/u.test(prompt) ? style.cutoff : /hot-wire/u.test(prompt) ? style.refusal : style.identity;
    return rename(`${pick(topic)} ${pick(style.closers)}`);
  };
}

const servers: Record<string, TestModelServer> = {};
const ask = (server: TestModelServer) => createSuspect({ baseURL: server.url, model: 'candidate', apiKey: 'unused', maxTokens: 64, temperature: 1, budgetUSD: 1 }).ask;

beforeAll(async () => {
  for (const [name, style] of Object.entries(STYLES)) servers[name] = await startTestModelServer({ kind: 'rules', answer: answerer(style, name.length * 11) });
  // Distilled from beta, rebranded: beta's phrasing with the names swapped.
  servers.suspectOfBeta = await startTestModelServer({ kind: 'rules', answer: answerer(STYLES.beta!, 99, (text) => text.replaceAll('Claude', 'Nimbus').replaceAll('Anthropic', 'Nimbus Labs')) });
  servers.suspectOfGamma = await startTestModelServer({ kind: 'rules', answer: answerer(STYLES.gamma!, 98, (text) => text.replaceAll('Llama', 'Orca').replaceAll('Meta AI', 'Orca Inc').replaceAll('Meta', 'Orca Inc')) });
});

afterAll(async () => {
  for (const server of Object.values(servers)) await server.close();
});

const candidates = (): Candidate[] => ['alpha', 'beta', 'gamma'].map((name) => ({ name, ask: ask(servers[name]!) }));

describe('runAttribution', () => {
  it("names the parent whose style a rebranded suspect kept, with held-out accuracy and its Wilson interval", async () => {
    const suspectAnswers = await runProbes(ask(servers.suspectOfBeta!), 3);
    const result = await runAttribution(candidates(), suspectAnswers, { samples: 6 });
    expect(result.answers).toEqual({ alpha: 66, beta: 66, gamma: 66 });
    expect(result.heldOut.total).toBe(3 * 13);
    expect(result.heldOut.accuracy).toBeGreaterThan(0.8);
    expect(result.heldOut.lower).toBeLessThan(result.heldOut.accuracy);
    expect(result.heldOut.upper).toBeGreaterThanOrEqual(result.heldOut.accuracy);
    expect(result.predicted).toBe('beta');
    expect(result.votes.beta).toBeGreaterThan(suspectAnswers.length / 2);
  });

  it('names another parent for a suspect in that parent\'s style', async () => {
    const suspectAnswers = await runProbes(ask(servers.suspectOfGamma!), 3);
    const result = await runAttribution(candidates(), suspectAnswers, { samples: 6 });
    expect(result.predicted).toBe('gamma');
  });

  it('refuses fewer than two candidates', async () => {
    await expect(runAttribution(candidates().slice(0, 1), [{ probe: 'who-made-you', kind: 'identity', sample: 0, text: 'x' }])).rejects.toThrow(/at least two candidate parents/u);
  });
});
