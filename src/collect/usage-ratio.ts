/**
 * How many input tokens a teacher really counts, against our o200k estimate. Other model families
 * (and non-English text) count more tokens than o200k: reserving the bare estimate let spending pass
 * the budget. Each answer's reported usage teaches the ratio, per model; reservations are scaled by
 * the largest ratio seen plus a margin. Until a model has answered once, reservations assume the
 * teacher counts up to COLD_START_RATIO times the estimate, the bound the budget promise is made for.
 */
import type { Store } from '../store/types.js';
import { formatUSD } from './budget.js';

/** What a reservation assumes before any answer of the model has been seen. */
export const COLD_START_RATIO = 2;
/** Head-room over the largest ratio seen: prompts of one task vary around it. */
export const RATIO_MARGIN = 0.25;

/** The state key under which a model's largest ratio is kept between runs. */
function stateKey(modelId: string): string {
  return `collect.usage-ratio.${modelId}`;
}

/** The learned ratio of reported to estimated input tokens of one model. */
export class UsageRatio {
  readonly modelId: string;
  readonly coldStart: number;
  readonly margin: number;
  #largest: number | null;
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
    return Math.ceil(estimatedTokens * this.factor);
  }

  /** Learns from one answer: `reportedTokens` the teacher counted for a prompt we estimated at `estimatedTokens`. */
  observe(estimatedTokens: number, reportedTokens: number): void {
    if (!(estimatedTokens > 0) || !Number.isFinite(reportedTokens) || reportedTokens < 0) return;
    const ratio = reportedTokens / estimatedTokens;
    if (this.#largest === null || ratio > this.#largest) {
      this.#largest = ratio;
      this.#changed = true;
    }
  }

  /** Loads what earlier runs learned about `modelId` from the store. */
  static async load(store: Store, modelId: string): Promise<UsageRatio> {
    const saved = Number.parseFloat((await store.getState(stateKey(modelId))) ?? '');
    return new UsageRatio(modelId, Number.isFinite(saved) && saved > 0 ? saved : null);
  }

  /** Keeps what this run learned for the next one (nothing is written when nothing changed). */
  async save(store: Store): Promise<void> {
    if (!this.#changed || this.#largest === null) return;
    await store.setState(stateKey(this.modelId), String(this.#largest));
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
