/**
 * The request rate a teacher turns out to accept, learnt from its 429s (AIMD, as TCP learns a
 * link's capacity): unlimited until 429s come; then the rate is cut multiplicatively, at most once
 * per measuring window (one 429 storm is one signal, not fifty), and each answer raises it
 * additively (the step doubling with each window that passes without a cut). Configured rpm is a ceiling it never exceeds.
 *
 * Two kinds of 429 must be told apart. Against a real limit the share of requests refused grows
 * with the sending rate (sending at twice the limit, half are refused); random 429s (an overloaded
 * replica, a flaky proxy) are a fixed share whatever the rate. So the rate is cut only when more
 * than `tolerance` of the recent requests were refused; the cut is by a factor that grows with that
 * share (as DCTCP scales its cut by the share of marked packets), and goes down to the rate the
 * teacher was accepting plus the same headroom when that is lower, but never below half. Against a limit the rate
 * settles just above it (a refused call only waits its own Retry-After); with up to `tolerance` of
 * random 429s the run does not slow down — plain AIMD would halve it again and again (its rate falls
 * as the square root of the refused share). And when a cut lowers the accepted rate with it (a
 * window later), the refusals do not depend on the rate: the cut is undone and that share tolerated.
 */

/** Tuning; the defaults suit rates from a few per minute to thousands per second. */
export interface AdaptiveRateOptions {
  /** The share of recent requests that may be refused without a cut, and the headroom a cut keeps over the accepted rate; default 0.15. */
  tolerance?: number;
  /** What answers add per second, as a fraction of the rate set by the last cut (doubling each window without a cut); default 0.1. */
  increasePerSecond?: number;
  /** Never faster than this (requests per second; from the task's rpm); none when absent. */
  ceilingPerSecond?: number;
  /** Never slower than this (requests per second); default one a minute. */
  floorPerSecond?: number;
  /** Window for measuring rates and refused shares, and the least time between two cuts, in ms; default 1000. */
  windowMs?: number;
}

/** The fewest recent events a rate or a share is measured over, reaching back past the window when it holds fewer. */
const MIN_EVENTS = 20;

/** Recent events (starts, or outcomes flagged refused), for rates and shares. */
class RecentEvents {
  readonly #times: number[] = [];
  readonly #refused: boolean[] = [];
  #head = 0;

  add(time: number, refused = false): void {
    this.#times.push(time);
    this.#refused.push(refused);
  }

  /** Drops events older than the window, keeping at least MIN_EVENTS; returns how many remain. */
  #prune(now: number, windowMs: number): number {
    while (this.#times.length - this.#head > MIN_EVENTS && (this.#times[this.#head] as number) <= now - windowMs) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      // Compact now and then, not on every call.
      this.#times.splice(0, this.#head);
      this.#refused.splice(0, this.#head);
      this.#head = 0;
    }
    return this.#times.length - this.#head;
  }

  /** Events per second over the window (or since `since`, when later), or over the last few events when the window holds fewer. */
  perSecond(now: number, windowMs: number, since: number, which: (refused: boolean) => boolean = () => true): number {
    const count = this.#prune(now, windowMs);
    if (count === 0) return 0;
    let matching = 0;
    for (let index = this.#head; index < this.#times.length; index++) if (which(this.#refused[index] as boolean)) matching++;
    const oldest = this.#times[this.#head] as number;
    const span = oldest <= now - windowMs ? now - oldest : Math.min(windowMs, now - since);
    return (matching * 1000) / Math.max(span, 1);
  }

  /** The share of recent events flagged refused, and how many events that share is over. */
  refusedShare(now: number, windowMs: number): { share: number; count: number } {
    const count = this.#prune(now, windowMs);
    let refused = 0;
    for (let index = this.#head; index < this.#times.length; index++) if (this.#refused[index]) refused++;
    return { share: count === 0 ? 0 : refused / count, count };
  }
}

/** An AIMD request rate with an injected clock; `waitTime` paces requests to it. */
export class AdaptiveRate {
  readonly #now: () => number;
  readonly #tolerance: number;
  /** The refused share tolerated: `tolerance`, or more once refusals proved not to depend on the rate. */
  #tolerated: number;
  /** The last cut, until a window after it shows whether it lowered the refused share. */
  #verified: { acceptedIfRandom: number; rateBefore: number | null } | null = null;
  readonly #increasePerSecond: number;
  readonly #ceiling: number;
  readonly #floor: number;
  readonly #windowMs: number;
  readonly #starts = new RecentEvents();
  readonly #outcomes = new RecentEvents();
  /** Requests per second; null until the first cut (no limit of our own). */
  #rate: number | null = null;
  /** Requests per second added per second of answers, fixed at each cut. */
  #step = 0;
  #lastCutAt = Number.NEGATIVE_INFINITY;
  /** When the additive step next doubles (each window without a cut). */
  #stepDoublesAt = Number.POSITIVE_INFINITY;
  #firstStartAt: number | null = null;
  /** The pacing bucket: up to 100 ms of requests may start together. */
  #tokens = 0;
  #tokensAt = 0;

  /** A rate with the given tuning, on the injected clock. */
  constructor(options: AdaptiveRateOptions = {}, now: () => number = Date.now) {
    this.#now = now;
    this.#tolerance = options.tolerance ?? 0.15;
    this.#tolerated = this.#tolerance;
    this.#increasePerSecond = options.increasePerSecond ?? 0.1;
    this.#ceiling = options.ceilingPerSecond ?? Number.POSITIVE_INFINITY;
    this.#floor = Math.min(options.floorPerSecond ?? 1 / 60, this.#ceiling);
    this.#windowMs = options.windowMs ?? 1000;
    if (!(this.#tolerance >= 0 && this.#tolerance < 1)) throw new RangeError(`tolerance must be in [0, 1), got ${this.#tolerance}`);
    if (!(this.#floor > 0)) throw new RangeError(`floorPerSecond must be > 0, got ${this.#floor}`);
  }

  /** The learnt rate in requests per second, or null while no cut has been made. */
  get perSecond(): number | null {
    return this.#rate;
  }

  /** Milliseconds until a request may start at the learnt rate (0 = now). */
  waitTime(): number {
    if (this.#rate === null) return 0;
    const tokens = this.#refill();
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * 1000) / this.#rate);
  }

  /** Records a request that starts now, taking its share of the rate. */
  recordStart(): void {
    const now = this.#now();
    this.#firstStartAt ??= now;
    this.#starts.add(now);
    if (this.#rate !== null) this.#tokens = this.#refill() - 1;
  }

  /** A 429: cuts the rate when more than the tolerated share of recent requests were refused, at most once per window. */
  recordThrottled(): void {
    const now = this.#now();
    this.#outcomes.add(now, true);
    const since = this.#firstStartAt ?? now;
    // Not before a whole window has been measured (the first answers are still on their way), nor twice in one.
    if (now - since < this.#windowMs || now - this.#lastCutAt < this.#windowMs) return;
    const refused = this.#outcomes.refusedShare(now, this.#windowMs);
    // A few outcomes say little: only a majority of refusals among them counts.
    if (refused.share <= this.#tolerated || (refused.count < MIN_EVENTS && refused.share < 0.5)) return;
    const accepted = this.#outcomes.perSecond(now, this.#windowMs, since, (wasRefused) => !wasRefused);
    if (this.#verified !== null && now - this.#lastCutAt < 3 * this.#windowMs && accepted < this.#verified.acceptedIfRandom) {
      // The last cut lowered the accepted rate with it: these 429s do not depend on our rate (random
      // refusals; a real limit would have gone on accepting as much). Undo the cut and tolerate that
      // share from now on, instead of cutting to nothing.
      this.#tolerated = Math.min(0.9, refused.share + 0.05);
      const before = this.#verified.rateBefore;
      if (before === null) this.#rate = null;
      else this.#setRate(before);
      this.#verified = null;
      return;
    }
    const sending = this.#starts.perSecond(now, this.#windowMs, since);
    const base = Math.min(this.#rate ?? Number.POSITIVE_INFINITY, sending);
    // At most halved per window (as TCP does): an answerless window must not drop the rate to the floor for good.
    const cut = Math.min(this.#ceiling, Math.max(this.#floor, base / 2, Math.min(base * (1 - refused.share / 2), accepted * (1 + this.#tolerance))));
    // Against a limit the accepted rate stays put after a cut; with random refusals it falls in proportion. Halfway tells them apart.
    this.#verified = { acceptedIfRandom: (accepted + (accepted * cut) / Math.max(base, Number.MIN_VALUE)) / 2, rateBefore: this.#rate };
    this.#setRate(cut);
    this.#step = cut * this.#increasePerSecond;
    this.#lastCutAt = now;
    this.#stepDoublesAt = now + this.#windowMs;
  }

  /** An answer: raises the rate by its share of the additive step (the step is per second of answers). */
  recordAnswered(): void {
    const now = this.#now();
    this.#outcomes.add(now, false);
    if (this.#rate === null) return;
    // Each window without a cut doubles the step, so a rate cut too far (a stall on a busy machine) comes back in seconds, not minutes.
    while (now >= this.#stepDoublesAt) {
      this.#step *= 2;
      this.#stepDoublesAt += this.#windowMs;
    }
    this.#setRate(Math.min(this.#ceiling, this.#rate + this.#step / this.#rate));
  }

  /** Changes the rate, keeping the tokens earned at the old one. */
  #setRate(rate: number): void {
    if (this.#rate !== null) this.#refill();
    else {
      this.#tokens = 1;
      this.#tokensAt = this.#now();
    }
    this.#rate = rate;
    this.#tokens = Math.min(this.#tokens, this.#capacity());
  }

  #capacity(): number {
    return Math.max(1, (this.#rate ?? 0) / 10);
  }

  /** Brings the pacing bucket up to now; returns the tokens in it. */
  #refill(): number {
    const now = this.#now();
    const rate = this.#rate ?? 0;
    this.#tokens = Math.min(this.#capacity(), this.#tokens + (Math.max(0, now - this.#tokensAt) * rate) / 1000);
    this.#tokensAt = now;
    return this.#tokens;
  }
}
