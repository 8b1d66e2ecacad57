/**
 * The route's drift alarm. Calibration says what to expect: the share of calls the student escalates
 * to the teacher, and how often the student agrees with the teacher on the calls it answers. Over a
 * sliding window of live calls (and of shadow calls, where the teacher is asked too), each observed
 * rate is compared with its expectation; outside the binomial interval of `z` standard errors (with a
 * continuity correction) the alarm fires, once per excursion, and clears when the rate comes back.
 */

/** The signals watched. */
export type DriftSignal = 'escalation-rate' | 'shadow-agreement';

/** What the monitor expects and how wide it looks. */
export interface DriftExpectations {
  /** Expected share of calls sent to the teacher (1 − calibrated coverage); null: not watched. */
  escalationRate: number | null;
  /** Expected agreement of student-answered calls with the teacher; null: not watched. */
  shadowAgreement: number | null;
}

/** One signal's state. */
export interface SignalState {
  expected: number | null;
  observed: number | null;
  samples: number;
  /** The interval the observed rate must stay in; null until the window has enough samples. */
  interval: [number, number] | null;
  alarm: boolean;
}

/** A sliding window of booleans with a running count of trues. */
class Window {
  private readonly values: boolean[] = [];
  private trues = 0;

  constructor(private readonly size: number) {}

  push(value: boolean): void {
    this.values.push(value);
    if (value) this.trues++;
    if (this.values.length > this.size && this.values.shift() === true) this.trues--;
  }

  get count(): number {
    return this.values.length;
  }

  get rate(): number | null {
    return this.values.length === 0 ? null : this.trues / this.values.length;
  }

  clear(): void {
    this.values.length = 0;
    this.trues = 0;
  }
}

/** The interval `expected ± (z·√(p(1−p)/n) + 1/(2n))`, clipped to [0, 1]. */
export function binomialInterval(expected: number, samples: number, z: number): [number, number] {
  const halfWidth = z * Math.sqrt((expected * (1 - expected)) / samples) + 1 / (2 * samples);
  return [Math.max(0, expected - halfWidth), Math.min(1, expected + halfWidth)];
}

/** Settings of the monitor. */
export interface DriftOptions {
  /** Calls in the escalation window (default 200). */
  window?: number;
  /** Shadow comparisons needed before the shadow signal is judged (default 50; the window is `window`). */
  minShadow?: number;
  /** Standard errors of the interval (default 3: a false alarm about once in 370 independent windows). */
  z?: number;
  /** Where alarm and all-clear lines go. */
  log?: (line: string) => void;
}

/** Watches the escalation rate and the shadow agreement against their calibrated values. */
export class DriftMonitor {
  private readonly escalations: Window;
  private readonly shadow: Window;
  private readonly alarms: Record<DriftSignal, boolean> = { 'escalation-rate': false, 'shadow-agreement': false };
  private readonly window: number;
  private readonly minShadow: number;
  private readonly z: number;
  private readonly log: (line: string) => void;
  private expected: DriftExpectations;

  constructor(expected: DriftExpectations, options: DriftOptions = {}) {
    this.expected = expected;
    this.window = options.window ?? 200;
    this.minShadow = Math.min(options.minShadow ?? 50, this.window);
    this.z = options.z ?? 3;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.escalations = new Window(this.window);
    this.shadow = new Window(this.window);
  }

  /** Counts one live call: escalated to the teacher, or answered by the student. */
  recordCall(escalated: boolean): void {
    this.escalations.push(escalated);
    this.check('escalation-rate');
  }

  /** Counts one shadow comparison of a student-answered call with the teacher's answer. */
  recordShadow(agrees: boolean): void {
    this.shadow.push(agrees);
    this.check('shadow-agreement');
  }

  /** New expectations (after a promoted student's calibration); the windows start again. */
  reset(expected: DriftExpectations): void {
    this.expected = expected;
    this.escalations.clear();
    this.shadow.clear();
    this.alarms['escalation-rate'] = false;
    this.alarms['shadow-agreement'] = false;
  }

  /** Both signals now. */
  state(): Record<DriftSignal, SignalState> {
    return { 'escalation-rate': this.signal('escalation-rate'), 'shadow-agreement': this.signal('shadow-agreement') };
  }

  private signal(name: DriftSignal): SignalState {
    const window = name === 'escalation-rate' ? this.escalations : this.shadow;
    const expected = name === 'escalation-rate' ? this.expected.escalationRate : this.expected.shadowAgreement;
    const needed = name === 'escalation-rate' ? this.window : this.minShadow;
    const interval = expected === null || window.count < needed ? null : binomialInterval(expected, window.count, this.z);
    return { expected, observed: window.rate, samples: window.count, interval, alarm: this.alarms[name] };
  }

  /** Fires or clears the alarm of `name` when its rate crosses the interval's edge. */
  private check(name: DriftSignal): void {
    const { interval, observed, expected, samples } = this.signal(name);
    if (interval === null || observed === null || expected === null) return;
    const outside = observed < interval[0] || observed > interval[1];
    if (outside === this.alarms[name]) return;
    this.alarms[name] = outside;
    const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
    const what = name === 'escalation-rate' ? 'escalation rate' : 'shadow agreement';
    this.log(outside
      ? `distillery route: drift alarm: the ${what} over the last ${samples} calls is ${percent(observed)}, outside ${percent(interval[0])}–${percent(interval[1])} (calibrated ${percent(expected)})`
      : `distillery route: drift cleared: the ${what} is back at ${percent(observed)} (calibrated ${percent(expected)})`);
  }
}
