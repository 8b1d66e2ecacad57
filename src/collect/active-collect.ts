/**
 * `collect.selection: active`: ask the teacher about a random held-out sample (for an honest
 * agreement estimate, never trained on) and a random seed sample, train the student, then ask about
 * the inputs it is least sure of, a diverse batch at a time, until the held-out agreement reaches the
 * target, the budget runs out, or no input is left. Every batch goes through `collect` (budget,
 * reservations, cache, retries); the batches are journalled in the store's state before they are
 * sent, so a run killed at any point resumes with the same batches and never pays for a prompt twice.
 */
import type { InputRecord, ResponseRecord, Store } from '../store/types.js';
import type { ActiveSelectionSettings } from '../task/schema.js';
import { contentHash, unitInterval } from '../util/hash.js';
import { chooseBatch } from './active-selection.js';
import { collect, type CollectOptions } from './collector.js';
import type { CollectEvent, CollectSummary, StopReason } from './events.js';

/** One answered input the student may learn from: the teacher's label index and distribution. */
export interface LabelledInput { input: InputRecord; label: number; soft: number[] | null }

/** The current student, as selection sees it: probabilities over the task's labels for a text. */
export type Scorer = (text: string) => ArrayLike<number>;

/** Trains a student on `train` (early-stopping on `validation`) and returns how it scores a text. */
export type FitScorer = (train: readonly LabelledInput[], validation: readonly LabelledInput[]) => Scorer;

/** The agreement estimate after one round of training. */
export interface ActiveRound {
  round: number;
  /** Answers bought so far for the held-out and pool inputs (cached ones included). */
  answers: number;
  trainExamples: number;
  /** Held-out inputs where the student names the teacher's label, out of `heldOutAnswered`. */
  heldOutAgreed: number;
  heldOutAnswered: number;
  agreement: number;
  /** Inputs chosen for the next round (0 when the loop stopped). */
  nextBatch: number;
}

/** Why active selection ended: the collector's reasons, the target, or nothing left to ask. */
export type ActiveStopReason = StopReason | 'target' | 'exhausted';

/** Progress of active selection: the collector's events for each batch, and one per round. */
export type ActiveCollectEvent = { type: 'collect'; event: CollectEvent } | { type: 'round'; round: ActiveRound };

/** What active selection needs beyond a collection run's options. */
export interface ActiveCollectOptions extends Omit<CollectOptions, 'inputs' | 'onEvent'> {
  inputs: readonly InputRecord[];
  settings: ActiveSelectionSettings;
  fitScorer: FitScorer;
  /** Inputs the held-out sample may come from (e.g. the test split); the others form the pool. Default: any input. */
  heldOutCandidate?: (input: InputRecord) => boolean;
  onEvent?: (event: ActiveCollectEvent) => void;
}

/** What an active collection did. */
export interface ActiveCollectSummary {
  stopReason: ActiveStopReason;
  rounds: ActiveRound[];
  heldOutIds: string[];
  seedIds: string[];
  /** Every batch the rounds chose, in order (as journalled). */
  batches: string[][];
  /** The collector's summaries, one per call of `collect`, merged. */
  collection: CollectSummary;
  message: string;
}

/** Where the journal of the batches lives in the store's state. */
export const ACTIVE_JOURNAL_KEY = 'collect.active.journal';

interface Journal { fingerprint: string; batches: string[][] }

/**
 * The held-out sample, the seed sample and the pool, drawn by hash from the settings' seed (the same
 * on every run). With `heldOutCandidate`, the held-out sample comes from the inputs it accepts and the
 * pool is the inputs it rejects; without, the pool is every input not held out.
 */
export function drawSamples(inputs: readonly InputRecord[], settings: ActiveSelectionSettings, heldOutCandidate?: (input: InputRecord) => boolean): { heldOut: InputRecord[]; seed: InputRecord[]; pool: InputRecord[] } {
  const rank = (purpose: string) => (a: InputRecord, b: InputRecord) => unitInterval(`${settings.seed}:${purpose}:${a.id}`) - unitInterval(`${settings.seed}:${purpose}:${b.id}`);
  const candidates = heldOutCandidate === undefined ? [...inputs] : inputs.filter(heldOutCandidate);
  const heldOut = candidates.sort(rank('held-out')).slice(0, settings.heldOutSize);
  const heldOutIds = new Set(heldOut.map((input) => input.id));
  const pool = inputs.filter((input) => (heldOutCandidate === undefined ? !heldOutIds.has(input.id) : !heldOutCandidate(input)));
  const seed = [...pool].sort(rank('seed')).slice(0, settings.seedSize);
  return { heldOut, seed, pool };
}

/** Adds one collection summary's counts to the running total. */
function mergeSummaries(total: CollectSummary | null, next: CollectSummary): CollectSummary {
  if (total === null) return next;
  const sum = (key: 'called' | 'junk' | 'failed' | 'failedBilled' | 'notAttempted' | 'inFlightAtStop' | 'spentUSD') => total[key] + next[key];
  return {
    ...next, called: sum('called'), junk: sum('junk'), failed: sum('failed'), failedBilled: sum('failedBilled'), notAttempted: sum('notAttempted'),
    inFlightAtStop: sum('inFlightAtStop'), spentUSD: sum('spentUSD'), failures: [...total.failures, ...next.failures],
    overshoot: { answers: total.overshoot.answers + next.overshoot.answers, usd: total.overshoot.usd + next.overshoot.usd },
    orphanedRecovered: { count: total.orphanedRecovered.count + next.orphanedRecovered.count, usd: total.orphanedRecovered.usd + next.orphanedRecovered.usd },
  };
}

/** One active-selection run: the samples, the journal and the answers bought so far. */
class ActiveRun {
  readonly options: ActiveCollectOptions;
  readonly store: Store;
  readonly heldOut: InputRecord[];
  readonly seed: InputRecord[];
  readonly pool: InputRecord[];
  readonly keys = new Map<string, string>();
  journal: Journal = { fingerprint: '', batches: [] };
  collection: CollectSummary | null = null;
  readonly rounds: ActiveRound[] = [];

  constructor(options: ActiveCollectOptions) {
    this.options = options;
    this.store = options.store;
    const samples = drawSamples(options.inputs, options.settings, options.heldOutCandidate);
    this.heldOut = samples.heldOut;
    this.seed = samples.seed;
    this.pool = samples.pool;
    for (const input of options.inputs) this.keys.set(input.id, options.requestKey(options.buildMessages(input)));
  }

  /**
   * Reads the journal; one written for other samples is started afresh (answers already bought stay
   * in the cache and are trained on). A new target, batch size or measure keeps the journal.
   */
  async loadJournal(): Promise<void> {
    const { settings } = this.options;
    const fingerprint = contentHash({ seed: settings.seed, seedSize: settings.seedSize, heldOut: this.heldOut.map((input) => input.id), pool: this.pool.map((input) => input.id) });
    const saved = await this.store.getState(ACTIVE_JOURNAL_KEY);
    const parsed = saved === undefined ? null : (JSON.parse(saved) as Journal);
    this.journal = parsed !== null && parsed.fingerprint === fingerprint ? parsed : { fingerprint, batches: [] };
  }

  /** Durable before the batch is sent: a rerun asks about the same inputs, whose answers the cache then serves. */
  async journalBatch(ids: string[]): Promise<void> {
    this.journal.batches.push(ids);
    await this.store.setState(ACTIVE_JOURNAL_KEY, JSON.stringify(this.journal));
  }

  /** Collects answers for `inputs` through the collector (cached ones cost nothing). */
  async buy(inputs: readonly InputRecord[]): Promise<CollectSummary> {
    const { settings: _settings, fitScorer: _fit, heldOutCandidate: _candidate, onEvent, ...collectOptions } = this.options;
    const summary = await collect({ ...collectOptions, inputs, onEvent: (event) => onEvent?.({ type: 'collect', event }) });
    this.collection = mergeSummaries(this.collection, summary);
    return summary;
  }

  /** The teacher's answer for each of `inputs` that has one naming a label. */
  async labelled(inputs: readonly InputRecord[]): Promise<LabelledInput[]> {
    const index = new Map(this.options.labels.map((label, position) => [label, position]));
    const out: LabelledInput[] = [];
    for (const input of inputs) {
      const response: ResponseRecord | undefined = await this.store.getResponse(this.keys.get(input.id) ?? '');
      const label = response?.kind === 'label' && response.label !== null ? index.get(response.label) : undefined;
      if (response !== undefined && label !== undefined) out.push({ input, label, soft: response.distribution });
    }
    return out;
  }

  /** Inputs of the pool with no stored answer and never chosen before (a failed one is not chosen again). */
  async unasked(): Promise<InputRecord[]> {
    const chosen = new Set([...this.seed.map((input) => input.id), ...this.journal.batches.flat()]);
    const out: InputRecord[] = [];
    for (const input of this.pool) {
      if (chosen.has(input.id)) continue;
      if ((await this.store.getResponse(this.keys.get(input.id) ?? '')) === undefined) out.push(input);
    }
    return out;
  }

  /** Trains on what the pool has answered and measures agreement on the held-out sample; null with under two answers to learn from. */
  async trainAndEstimate(): Promise<{ scorer: Scorer; round: Omit<ActiveRound, 'nextBatch'> } | null> {
    const train = await this.labelled(this.pool);
    if (train.length < 2) return null;
    // A tenth of the answers (by hash) early-stops training; none of the held-out sample ever does.
    const validation = train.filter((example) => unitInterval(`${this.options.settings.seed}:validation:${example.input.id}`) < 0.1);
    const validationIds = new Set(validation.map((example) => example.input.id));
    const fitOn = train.filter((example) => !validationIds.has(example.input.id));
    const scorer = this.options.fitScorer(fitOn.length >= 2 ? fitOn : train, validation.length > 0 ? validation : train);
    const heldOut = await this.labelled(this.heldOut);
    const agreed = heldOut.filter((example) => argmax(scorer(example.input.text)) === example.label).length;
    const answers = (await this.labelled([...this.heldOut, ...this.pool])).length;
    return { scorer, round: { round: this.rounds.length, answers, trainExamples: train.length, heldOutAgreed: agreed, heldOutAnswered: heldOut.length, agreement: heldOut.length === 0 ? 0 : agreed / heldOut.length } };
  }
}

/** How many inputs the next round asks about: batchSize, or batchGrowth × the answers trained on if that is more. */
export function batchSizeFor(settings: Pick<ActiveSelectionSettings, 'batchSize' | 'batchGrowth'>, trainExamples: number): number {
  return Math.max(settings.batchSize, Math.round(settings.batchGrowth * trainExamples));
}

/** Index of the largest value. */
function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) if ((values[index] ?? 0) > (values[best] ?? 0)) best = index;
  return best;
}

/** Says how active selection ended, in a sentence. */
function describeStop(reason: ActiveStopReason, last: ActiveRound | undefined, target: number, collection: CollectSummary): string {
  const estimate = last === undefined ? 'no estimate' : `held-out agreement ${(100 * last.agreement).toFixed(1)}% (${last.heldOutAgreed}/${last.heldOutAnswered}) after ${last.answers} answers`;
  const why = reason === 'target' ? `reached the target of ${(100 * target).toFixed(1)}%`
    : reason === 'exhausted' ? 'every input of the pool has been asked about'
      : reason === 'done' ? 'stopped' : collection.message;
  return `Active selection: ${estimate}; ${why}.`;
}

/** Runs active selection (see the file comment); resumable and within the same budget as `collect`. */
export async function collectActively(options: ActiveCollectOptions): Promise<ActiveCollectSummary> {
  const run = new ActiveRun(options);
  await run.loadJournal();
  let stopReason: ActiveStopReason = 'done';
  const first = await run.buy([...run.heldOut, ...run.seed]);
  if (first.stopReason !== 'done') stopReason = first.stopReason;
  for (const batch of run.journal.batches) {
    if (stopReason !== 'done') break;
    const byId = new Set(batch);
    const summary = await run.buy(run.pool.filter((input) => byId.has(input.id)));
    if (summary.stopReason !== 'done') stopReason = summary.stopReason;
  }
  while (stopReason !== 'aborted' && stopReason !== 'auth' && stopReason !== 'teacher-unreachable') {
    const trained = await run.trainAndEstimate();
    if (trained === null) break;
    const { scorer, round } = trained;
    let next: string[] = [];
    // A target of 1 is off: even a held-out sample agreed on in full does not stop the run before its budget.
    if (stopReason === 'done' && options.settings.targetAgreement < 1 && round.agreement >= options.settings.targetAgreement) stopReason = 'target';
    if (stopReason === 'done') {
      const candidates = await run.unasked();
      if (candidates.length === 0) stopReason = 'exhausted';
      else next = chooseBatch(candidates.map((input) => ({ id: input.id, text: input.text, probabilities: scorer(input.text) })), { batchSize: batchSizeFor(options.settings, round.trainExamples), uncertainty: options.settings.uncertainty, maxSimilarity: options.settings.maxSimilarity });
    }
    const full: ActiveRound = { ...round, nextBatch: next.length };
    run.rounds.push(full);
    options.onEvent?.({ type: 'round', round: full });
    if (next.length === 0) break;
    await run.journalBatch(next);
    const chosen = new Set(next);
    const summary = await run.buy(run.pool.filter((input) => chosen.has(input.id)));
    if (summary.stopReason !== 'done') stopReason = summary.stopReason;
  }
  const collection = run.collection as CollectSummary;
  return {
    stopReason, rounds: run.rounds, heldOutIds: run.heldOut.map((input) => input.id), seedIds: run.seed.map((input) => input.id),
    batches: run.journal.batches, collection: { ...collection, stopReason: stopReason === 'target' || stopReason === 'exhausted' ? 'done' : stopReason },
    message: describeStop(stopReason, run.rounds.at(-1), options.settings.targetAgreement, collection),
  };
}
