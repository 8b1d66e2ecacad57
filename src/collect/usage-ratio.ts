/**
 * How many input tokens a teacher really counts, against our o200k estimate. Other model families
 * (and non-English text) count more tokens than o200k: reserving the bare estimate let spending pass
 * the budget. Each answer's reported usage teaches, per model, two upper bounds, and a reservation
 * takes the larger:
 *  - the largest reported / estimated ratio seen, plus a margin (a tokenizer that counts r× ours);
 *  - the fewest tokens reported for any longer prompt seen (a teacher that adds a fixed template
 *    around every prompt makes short prompts' ratio larger than any seen so far; a longer prompt
 *    never costs fewer tokens, so it bounds the shorter one).
 * Until a model has answered once, reservations assume the teacher counts up to COLD_START_RATIO
 * times the estimate, the bound the budget promise is made for.
 */
import type { Store } from '../store/types.js';
import { formatUSD } from './budget.js';

/** What a reservation assumes before any answer of the model has been seen. */
export const COLD_START_RATIO = 2;
/** Head-room over the largest ratio seen: prompts of one task vary around it. */
export const RATIO_MARGIN = 0.25;
/** Estimates are grouped on a log scale, 10% per group, to find "a longer prompt" cheaply. */
const GROUP_WIDTH = Math.log(1.1);

/** The state key under which a model's learning is kept between runs. */
function stateKey(modelId: string): string {
  return `collect.usage-ratio.${modelId}`;
}

/** The log-scale group of an estimate. */
function groupOf(estimatedTokens: number): number {
  return Math.floor(Math.log(Math.max(1, estimatedTokens)) / GROUP_WIDTH);
}

/** What reservations learned from the answers of one model. */
export class UsageRatio {
  readonly modelId: string;
  readonly coldStart: number;
  readonly margin: number;
  #largest: number | null;
  /** Per group of estimates: the fewest input tokens the teacher reported for a prompt in it. */
  readonly #fewestReported = new Map<number, number>();
  #changed = false;

  /** Starts from `largest` (what earlier runs learned), or from nothing; tests may set the cold start and margin. */
  constructor(modelId: string, largest: number | null = null, settings: { coldStart?: number; margin?: number } = {}) {
    this.modelId = modelId;
    this.#largest = largest;
    this.coldStart = settings.coldStart ?? COLD_START_RATIO;
    this.margin = settings.margin ?? RATIO_MARGIN;
  }

  /** The largest reported / estimated ratio seen so far, or null before the first answer. */
  get largest(): number | null {
    return this.#largest;
  }

  /** What estimates are multiplied by for a reservation. */
  get factor(): number {
    return this.#largest === null ? this.coldStart : this.#largest * (1 + this.margin);
  }

  /** The input tokens to reserve for a call estimated at `estimatedTokens`. */
  reserveInputTokens(estimatedTokens: number): number {
    const scaled = Math.ceil(estimatedTokens * this.factor);
    const group = groupOf(estimatedTokens);
    let longerPrompt = 0;
    for (const [other, fewest] of this.#fewestReported) {
      if (other > group && (longerPrompt === 0 || fewest < longerPrompt)) longerPrompt = fewest;
    }
    return Math.max(scaled, longerPrompt);
  }

  /** Learns from one answer: `reportedTokens` the teacher counted for a prompt we estimated at `estimatedTokens`. */
  observe(estimatedTokens: number, reportedTokens: number): void {
    if (!(estimatedTokens > 0) || !Number.isFinite(reportedTokens) || reportedTokens < 0) return;
    const ratio = reportedTokens / estimatedTokens;
    if (this.#largest === null || ratio > this.#largest) {
      this.#largest = ratio;
      this.#changed = true;
    }
    const group = groupOf(estimatedTokens);
    const fewest = this.#fewestReported.get(group);
    if (fewest === undefined || reportedTokens < fewest) {
      this.#fewestReported.set(group, reportedTokens);
      this.#changed = true;
    }
  }

  /** Loads what earlier runs learned about `modelId` from the store. */
  static async load(store: Store, modelId: string): Promise<UsageRatio> {
    const ratio = new UsageRatio(modelId);
    const saved = await store.getState(stateKey(modelId));
    if (saved === undefined) return ratio;
    try {
      const parsed = JSON.parse(saved) as { largest?: unknown; fewestReported?: unknown };
      if (typeof parsed.largest === 'number' && parsed.largest > 0) ratio.#largest = parsed.largest;
      if (Array.isArray(parsed.fewestReported)) {
        for (const entry of parsed.fewestReported as unknown[]) {
          if (Array.isArray(entry) && typeof entry[0] === 'number' && typeof entry[1] === 'number') ratio.#fewestReported.set(entry[0], entry[1]);
        }
      }
    } catch {
      // Unreadable: start from nothing, which only makes reservations more cautious.
    }
    return ratio;
  }

  /** Keeps what this run learned for the next one (nothing is written when nothing changed). */
  async save(store: Store): Promise<void> {
    if (!this.#changed) return;
    await store.setState(stateKey(this.modelId), JSON.stringify({ largest: this.#largest, fewestReported: [...this.#fewestReported] }));
    this.#changed = false;
  }
}

/** What an answer that cost more than its reservation is reported with. */
export interface Overshoot {
  costUSD: number;
  reservedUSD: number;
  estimatedInputTokens: number;
  /** What the teacher reported, when it did. */
  reportedInputTokens: number | null;
  ratio: UsageRatio;
}

/** Says plainly that an answer cost more than was reserved for it, and why the run stops. */
export function describeOvershoot(overshoot: Overshoot): string {
  const counted = overshoot.reportedInputTokens === null
    ? ''
    : ` (the teacher counted ${overshoot.reportedInputTokens} input tokens where o200k estimated ${overshoot.estimatedInputTokens}; reservations now assume ${overshoot.ratio.factor.toFixed(2)}×)`;
  return `An answer cost $${formatUSD(overshoot.costUSD)}, more than the $${formatUSD(overshoot.reservedUSD)} reserved for it${counted}. ` +
    'Collection stopped so that spending stays within budget.maxUSD; answers so far are saved, and the next run reserves with what was learned.';
}
