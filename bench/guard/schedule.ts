/**
 * When simulated requests arrive. People come in sessions during their waking hours, with log-normal
 * thinking time between requests; a script runs around the clock at the pace of the responses.
 */
import type { Random } from './random.js';

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** How a simulated person uses the API. */
export interface HumanHabits {
  sessionsPerDay: number;
  requestsPerSession: number;
  thinkMedianMs: number;
  thinkSpread: number;
}

/** Session start times over `days`, in the person's waking hours (8:00–24:00 in their time zone). */
export function sessionStarts(random: Random, habits: HumanHabits, startMs: number, days: number): number[] {
  const offset = random.int(24) * HOUR;
  const starts: number[] = [];
  for (let day = 0; day < days; day++) {
    const count = random.poisson(habits.sessionsPerDay);
    for (let index = 0; index < count; index++) starts.push(startMs + day * DAY + offset + 8 * HOUR + random.float() * 16 * HOUR);
  }
  return starts.sort((a, b) => a - b);
}

/** Request times of one session: the start, then one thinking gap after each request. */
export function sessionTimes(random: Random, habits: HumanHabits, start: number): number[] {
  const count = random.geometric(habits.requestsPerSession);
  const times = [start];
  for (let index = 1; index < count; index++) times.push((times[index - 1] as number) + Math.max(2 * SECOND, random.logNormal(habits.thinkMedianMs, habits.thinkSpread)));
  return times;
}

/** Request times of a script with `concurrency` workers, each waiting for its response (log-normal latency). */
export function scriptTimes(random: Random, start: number, count: number, concurrency: number, latencyMedianMs: number): number[] {
  const times: number[] = [];
  const workers = Array.from({ length: concurrency }, (_, index) => start + index * 137);
  while (times.length < count) {
    const worker = workers.indexOf(Math.min(...workers));
    const at = workers[worker] as number;
    times.push(at);
    workers[worker] = at + Math.max(200, random.logNormal(latencyMedianMs, 0.35));
  }
  return times;
}

/** A steady service: Poisson arrivals whose rate follows the day (twice as busy at midday as at night). */
export function serviceTimes(random: Random, start: number, days: number, perDay: number, cap: number): number[] {
  const times: number[] = [];
  const peak = (perDay / DAY) * (4 / 3);
  let at = start;
  while (at < start + days * DAY && times.length < cap) {
    at += random.exponential(1 / peak);
    const hour = ((at % DAY) / HOUR + 24) % 24;
    // Thinning: keep an arrival with probability rate(t) / peak, rate between peak/2 (night) and peak (midday).
    if (random.float() < 0.75 + 0.25 * Math.cos(((hour - 13) / 24) * 2 * Math.PI)) times.push(at);
  }
  return times;
}

export { DAY, HOUR, SECOND };
