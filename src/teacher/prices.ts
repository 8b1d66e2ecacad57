/**
 * What teacher calls cost. Built-in prices are standard-tier USD per 1M tokens as listed on
 * openai.com/api/pricing in August 2025 (after the 2025-08-07 GPT-5 launch), supplied with the
 * project brief and not re-fetched since; Anthropic's are cited beside them. A task file's
 * `budget.prices` overrides them.
 */

/** USD per one million input and output tokens. */
export interface Prices {
  inputPer1M: number;
  outputPer1M: number;
}

/** Where the prices of a teacher came from. */
export type PriceSource = 'override' | 'table' | 'local-free';

const PRICE_TABLE: Readonly<Record<string, Prices>> = Object.freeze({
  'gpt-4o': { inputPer1M: 2.5, outputPer1M: 10 },
  'gpt-4o-mini': { inputPer1M: 0.15, outputPer1M: 0.6 },
  'gpt-4.1': { inputPer1M: 2, outputPer1M: 8 },
  'gpt-4.1-mini': { inputPer1M: 0.4, outputPer1M: 1.6 },
  'gpt-4.1-nano': { inputPer1M: 0.1, outputPer1M: 0.4 },
  'gpt-5': { inputPer1M: 1.25, outputPer1M: 10 },
  'gpt-5-mini': { inputPer1M: 0.25, outputPer1M: 2 },
  'gpt-5-nano': { inputPer1M: 0.05, outputPer1M: 0.4 },
  'o3': { inputPer1M: 2, outputPer1M: 8 },
  'o4-mini': { inputPer1M: 1.1, outputPer1M: 4.4 },
  'gpt-3.5-turbo': { inputPer1M: 0.5, outputPer1M: 1.5 },
  // Anthropic, USD per 1M tokens (base input / output), from platform.claude.com/docs/about-claude/models/overview
  // and the per-model pages (whats-new-opus-5), as found with the docs search in December 2026. Prompt-cache
  // tokens are charged at the input price (an overestimate). Claude Haiku 5.5 is listed as "from $0.10 /
  // $0.50", a tiered price with no single figure: give it in budget.prices.
  'claude-haiku-4-5': { inputPer1M: 1, outputPer1M: 5 },
  'claude-sonnet-4-5': { inputPer1M: 3, outputPer1M: 15 },
  'claude-opus-4-5': { inputPer1M: 5, outputPer1M: 25 },
  'claude-sonnet-5': { inputPer1M: 2, outputPer1M: 10 },
  'claude-opus-5': { inputPer1M: 5, outputPer1M: 25 },
  'claude-sonnet-5-5': { inputPer1M: 2, outputPer1M: 10 },
  'claude-opus-5-5': { inputPer1M: 4, outputPer1M: 20 },
});

/**
 * A snapshot suffix: "-2024-08-06", "-0125". Only these extend a table name, so that
 * "gpt-4o-audio-preview" or "gpt-4o-realtime" (priced differently) are not taken for "gpt-4o".
 */
const SNAPSHOT_SUFFIX = /^-\d[\d-]*$/;

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

/** The built-in prices of a model or a dated snapshot of it (longest matching name wins). */
export function lookupPrices(model: string): Prices | undefined {
  const name = model.trim().toLowerCase();
  let best: string | undefined;
  for (const known of Object.keys(PRICE_TABLE)) {
    const matches = name === known || (name.startsWith(known) && SNAPSHOT_SUFFIX.test(name.slice(known.length)));
    if (matches && (best === undefined || known.length > best.length)) best = known;
  }
  const prices = best === undefined ? undefined : PRICE_TABLE[best];
  return prices === undefined ? undefined : { ...prices };
}

/** True when a base URL points at this machine. */
function isLoopback(baseURL: string): boolean {
  try {
    return LOOPBACK_HOST.test(new URL(baseURL).hostname);
  } catch {
    return false;
  }
}

/** The prices to charge a teacher at: the task's override, the table, or free for an unknown local model; throws otherwise. */
export function resolvePrices(model: string, override?: Prices, baseURL?: string): { prices: Prices; source: PriceSource } {
  if (override !== undefined) return { prices: { ...override }, source: 'override' };
  const fromTable = lookupPrices(model);
  if (fromTable !== undefined) return { prices: fromTable, source: 'table' };
  if (baseURL !== undefined && isLoopback(baseURL)) return { prices: { inputPer1M: 0, outputPer1M: 0 }, source: 'local-free' };
  const known = Object.keys(PRICE_TABLE).join(', ');
  throw new Error(
    `no built-in prices for model "${model}" (known: ${known}); add budget.prices ` +
      '{ inputPer1M, outputPer1M } (USD per million tokens) to the task file so the budget can be enforced',
  );
}

/** The USD cost of a call's token usage at the given prices. */
export function costUSD(usage: { inputTokens: number; outputTokens: number }, prices: Prices): number {
  return (usage.inputTokens * prices.inputPer1M + usage.outputTokens * prices.outputPer1M) / 1_000_000;
}
