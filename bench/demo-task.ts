/** The demo task as the bench uses it: labels, prompt, student size and the API price it is costed at. */
import { LANGUAGE_LABELS } from '../src/demo/language-labels.js';
import { taskSpecSchema } from '../src/task/schema.js';
import { buildMessages } from '../src/task/template.js';
import { costUSD, lookupPrices, type Prices } from '../src/teacher/prices.js';
import { countTextTokens, estimateInputTokens } from '../src/teacher/tokens.js';

/** The demo's 54 language ids. */
export const DEMO_LABELS: readonly string[] = LANGUAGE_LABELS;

/** The demo's student settings (src/demo/run-demo.ts): the "equal student size" of every comparison. */
export const DEMO_STUDENT = Object.freeze({ buckets: 16_384, dim: 16, wordNgrams: 3 });

/** The API model whose built-in price the bench costs teacher calls at. */
export const PRICED_MODEL = 'gpt-4o-mini';

const spec = taskSpecSchema.parse({
  name: 'code-language-demo',
  teacher: { baseURL: 'http://127.0.0.1/v1', model: PRICED_MODEL },
  prompt: { messages: [{ role: 'system', content: 'Name the programming language of the code. Answer with one of: {{labels}}' }, { role: 'user', content: '{{text}}' }] },
  labels: [...LANGUAGE_LABELS],
  inputs: { path: 'none' },
  budget: { maxUSD: 1 },
});

/** The built-in price of PRICED_MODEL. */
export function pricedModel(): Prices {
  const prices = lookupPrices(PRICED_MODEL);
  if (!prices) throw new Error(`no built-in price for ${PRICED_MODEL}`);
  return prices;
}

/** USD one demo call would cost at PRICED_MODEL's price: the demo prompt's input tokens plus the answer's tokens. */
export function apiCallCostUSD(text: string, answer: string, prices: Prices = pricedModel()): number {
  return costUSD({ inputTokens: estimateInputTokens(buildMessages(spec, text)), outputTokens: countTextTokens(answer) + 1 }, prices);
}
