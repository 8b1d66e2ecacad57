/**
 * TEST-ONLY: a tiny language model trained by the real engine for the trace tests. Its answers are
 * random words from a list of 32, so its next-token distribution is close to uniform over them:
 * the entropy a KGW watermark needs to show (a model that always writes the same text cannot
 * prefer green tokens). A fixed key keeps the tests deterministic.
 */
import { trainLanguageModelStudent, trainTokenizer, type GenerativeStudent, type Tokenizer } from '../student/lm/index.js';
import { startTestModelServer, type TestModelServer } from './trace-test-server.js';
import type { Suspect } from './trace-suspect.js';
import { createRandom } from '../util/random.js';
import { parseWatermarkKey, type WatermarkKey } from './watermark-key.js';

export const TEST_WORDS = 'apple river stone cloud green table music paper light window garden silver orange forest candle bridge winter summer pocket rabbit marble thunder meadow copper lantern violet harbor saddle feather pepper canyon glacier'.split(' ');

/** A KGW key with a fixed secret (γ = 0.25, δ = 2, h = 1), as a key file's text. */
export function testKeyText(scheme: 'kgw' | 'gumbel' = 'kgw', secretByte = 7): string {
  const secret = Buffer.alloc(32, secretByte).toString('base64');
  return JSON.stringify({ scheme, version: 1, secret, gamma: 0.25, delta: 2, contextWidth: 1, seedingScheme: 'lefthash' });
}

/** The fixed test key. */
export function testKey(scheme: 'kgw' | 'gumbel' = 'kgw', secretByte = 7): WatermarkKey {
  return parseWatermarkKey(testKeyText(scheme, secretByte), 'test key');
}

/** Trains the word model (a few seconds): the student, its tokenizer, and its file bytes. */
export function trainWordModel(seed = 7): { student: GenerativeStudent; tokenizer: Tokenizer; bytes: Uint8Array } {
  const random = createRandom(seed);
  const examples = Array.from({ length: 200 }, (_, index) => ({
    prompt: `words ${index % 10}`,
    answer: Array.from({ length: 30 }, () => TEST_WORDS[random.nextInt(TEST_WORDS.length)]).join(' '),
  }));
  const tokenizer = trainTokenizer(examples.flatMap((example) => [example.prompt, example.answer]), 400);
  const { student } = trainLanguageModelStudent(examples, undefined, {
    tokenizer,
    config: { width: 32, layers: 1, heads: 2, keyValueHeads: 2, hiddenWidth: 64, context: 128 },
    training: { steps: 150, batchSize: 8, learningRate: 1e-2, seed },
  });
  return { student, tokenizer, bytes: student.toBytes('f32') };
}

/** `count` answers of `suspect` to the word prompts ("words 0" … "words 9" in turn), as training examples. */
export async function collectAnswers(suspect: Suspect, count: number): Promise<Array<{ prompt: string; answer: string }>> {
  const examples: Array<{ prompt: string; answer: string }> = [];
  for (let index = 0; index < count; index++) {
    const prompt = `words ${index % 10}`;
    const answer = await suspect.ask([{ role: 'user', content: prompt }]);
    if (answer === undefined) throw new Error('the test budget ran out');
    examples.push({ prompt, answer: answer.text });
  }
  return examples;
}

/** A student distilled from `examples` (with the owner's tokenizer), served with no logits processor at all. */
export async function serveStudent(examples: Array<{ prompt: string; answer: string }>, tokenizer: Tokenizer, seed: number): Promise<TestModelServer> {
  const { student } = trainLanguageModelStudent(examples, undefined, {
    tokenizer, config: { width: 48, layers: 1, heads: 2, keyValueHeads: 2, hiddenWidth: 96, context: 128 },
    training: { steps: 600, batchSize: 16, learningRate: 1e-2, seed, patience: 100 },
  });
  return startTestModelServer({ kind: 'lm', bytes: student.toBytes('f32') });
}
