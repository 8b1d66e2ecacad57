/**
 * The request rate a teacher turns out to accept, learnt from its 429s (AIMD, as TCP learns a
 * link's capacity): unlimited until 429s come; then the rate is cut multiplicatively, at most once
 * per measuring window (one 429 storm is one signal, not fifty), and each answer raises it
 * additively. Configured rpm is a ceiling it never exceeds.
 *
 * Two kinds of 429 must be told apart. Against a real limit the share of requests refused grows
 * with the sending rate (sending twice the limit, half are refused); random 429s (an overloaded
 * replica, a flaky proxy) are a fixed share whatever the rate. So the rate is cut only when more
 * than `tolerance` of the last window's requests were refused, and never below the rate the teacher
 * was accepting plus the same headroom. Against a limit the rate settles just above it (a refused
 * call only waits its own Retry-After); with up to `tolerance` of random 429s the run does not slow
 * down at all — plain AIMD would halve it again and again (Mathis et al.: the rate falls as the
 * square root of the refusal share).
 */

/** Tuning; the defaults suit rates from a few per minute to thousands per second. */
export interface AdaptiveRateOptions {
  /** The factor a 429 multiplies the rate by; default 0.7. */
  decreaseFactor?: number;
  /** What answers add per second, as a fraction of the rate set by the last cut; default 0.1. */
  increasePerSecond?: number;
  /** The share of a window's requests that may be refused without a cut, and the headroom a cut keeps over the accepted rate; default 0.15. */
  tolerance?: number;
  /** Never faster than this (requests per second; from the task's rpm); none when absent. */
  ceilingPerSecond?: number;
  /** Never slower than this (requests per second); default one a minute. */
  floorPerSecond?: number;
  /** Window for measuring the sending and accepted rates, and the least time between two cuts, in ms; default 1000. */
  windowMs?: number;
}

/** Timestamps of recent events, for a rate: those of the last window, and at least the last few whatever their age. */
class RecentEvents {
  static readonly KEEP = 8;
  readonly #times: number[] = [];
  #head = 0;

  add(time: number): void {
    this.#times.push(time);
  }

  /**
   * Events per second: over the last `windowMs` before `now` (or since `since`, when later); when
   * fewer than a few fell in it (slow calls), over the last few events instead. 0 when there were none.
   */
  perSecond(now: number, windowMs: number, since: number): number {
    while (this.#times.length - this.#head > RecentEvents.KEEP && (this.#times[this.#head] as number) <= now - windowMs) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      // Drop what has left the window now and then, not on every call.
      this.#times.splice(0, this.#head);
      this.#head = 0;
    }
    const count = this.#times.length - this.#head;
    if (count === 0) return 0;
    const oldest = this.#times[this.#head] as number;
    const span = oldest <= now - windowMs ? now - oldest : Math.min(windowMs, now - since);
    return (count * 1000) / Math.max(span, 1);
  }
}

/** An AIMD request rate with an injected clock; `waitTime` paces requests to it. */
export class AdaptiveRate {
  readonly #now: () => number;
  readonly #decreaseFactor: number;
  readonly #increasePerSecond: number;
  readonly #tolerance: number;
  readonly #ceiling: number;
  readonly #floor: number;
  readonly #windowMs: number;
  readonly #starts = new RecentEvents();
  readonly #answers = new RecentEvents();
  readonly #refusals = new RecentEvents();
  /** Requests per second; null until the first cut (no limit of our own). */
  #rate: number | null = null;
  /** Requests per second added per second of answers, fixed at each cut. */
  #step = 0;
  #lastCutAt = Number.NEGATIVE_INFINITY;
  #firstStartAt: number | null = null;
  /** The pacing bucket: up to 100 ms of requests may start together. */
  #tokens = 0;
  #tokensAt = 0;

  /** A rate with the given tuning, on the injected clock. */
  constructor(options: AdaptiveRateOptions = {}, now: () => number = Date.now) {
    this.#now = now;
    this.#decreaseFactor = options.decreaseFactor ?? 0.7;
    this.#increasePerSecond = options.increasePerSecond ?? 0.1;
    this.#tolerance = options.tolerance ?? 0.15;
    this.#ceiling = options.ceilingPerSecond ?? Number.POSITIVE_INFINITY;
    this.#floor = Math.min(options.floorPerSecond ?? 1 / 60, this.#ceiling);
    this.#windowMs = options.windowMs ?? 1000;
    if (!(this.#decreaseFactor > 0 && this.#decreaseFactor < 1)) throw new RangeError(`decreaseFactor must be in (0, 1), got ${this.#decreaseFactor}`);
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

  /** A 429: cuts the rate when refusals are more than the tolerated share, unless it was cut less than a window ago. */
  recordThrottled(): void {
    const now = this.#now();
    this.#refusals.add(now);
    const since = this.#firstStartAt ?? now;
    // Not before a whole window has been measured (the first answers are still on their way), nor twice in one.
    if (now - since < this.#windowMs || now - this.#lastCutAt < this.#windowMs) return;
    const accepted = this.#answers.perSecond(now, this.#windowMs, since);
    const refused = this.#refusals.perSecond(now, this.#windowMs, since);
    if (refused <= this.#tolerance * (accepted + refused)) return;
    const sending = this.#starts.perSecond(now, this.#windowMs, since);
    const base = Math.min(this.#rate ?? Number.POSITIVE_INFINITY, sending);
    const cut = Math.max(base * this.#decreaseFactor, accepted * (1 + this.#tolerance));
    this.#setRate(Math.min(this.#ceiling, Math.max(this.#floor, cut)));
    this.#step = (this.#rate as number) * this.#increasePerSecond;
    this.#lastCutAt = now;
  }

  /** An answer: raises the rate by a share of its additive step (step per second, spread over the answers of a second). */
  recordAnswered(): void {
    this.#answers.add(this.#now());
    if (this.#rate === null) return;
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
