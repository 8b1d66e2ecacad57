/**
 * The collector under 429s, for the machinery section: against scripted servers
 * (bench/load/servers/scripted-rate-limit.ts), each in a child process, with a 27 ms latency and
 * 8 workers, the collector not told any limit:
 *  - a token-bucket server enforcing N requests per minute with 429s: answers/s against the allowed rate;
 *  - a server answering 10 % of requests with a random 429 (Retry-After: 1): answers/s against the
 *    same server without faults, in the same run.
 * Knobs: --rate-limit-store=DIR (default /dev/shm where it exists), --rate-limit-rpm=N (default 6000), --rate-limit-calls=N (the fault-free and random-429 runs; the
 * token-bucket run makes 30 s worth of the allowed rate).
 */
import { startChild, type ChildServer } from './child.js';
import { median, metric, verdict } from './measure.js';
import { collectUnderRateLimits, defaultStoreParent, type RateLimitRun } from './rate-limit-runs.js';
import { collectionInputs } from './teacher-clients.js';
import type { BenchOptions } from '../options.js';
import { format, type BenchmarkEntry } from '../report.js';

const RATE_GOAL = 0.9;
const FAULT_GOAL = 0.7;
const CONCURRENCY = 8;
const LATENCY_MS = 27;
const FAULT_RATE = 0.1;

/** Measured on commit 36fc617 (every 429 with a Retry-After paused all workers), same scenarios and sizes, one repeat, 2026-12-01. */
const BEFORE = { tokenBucket: { answersPerSecond: 16.3, throttled: 361 }, randomFaults: { answersPerSecond: 15.2, faultFree: 238 } } as const;

type Scenario = 'fault-free' | 'random-429' | 'token-bucket';
const SCENARIOS: readonly Scenario[] = ['fault-free', 'random-429', 'token-bucket'];

/** Sizes for quick and full runs. */
function sizes(options: BenchOptions) {
  const rpm = Number(options.argument('rate-limit-rpm') ?? 6000);
  const calls = Number(options.argument('rate-limit-calls') ?? (options.quick ? 600 : 3000));
  if (!(rpm >= 60)) throw new Error('--rate-limit-rpm must be a number >= 60');
  if (!Number.isInteger(calls) || calls < 100) throw new Error('--rate-limit-calls must be an integer >= 100');
  // Against the limit, a run lasts about 30 s (5 s quick) at the allowed rate, so the first seconds' search and the last refused calls' Retry-After are a small part of it.
  const bucketCalls = Math.max(100, Math.round((rpm / 60) * (options.quick ? 5 : 30)));
  return { rpm, calls, bucketCalls, burst: Math.max(1, Math.round(rpm / 600)), storeParent: options.argument('rate-limit-store') ?? defaultStoreParent() };
}

/** The server arguments of each scenario. */
function serverArguments(scenario: Scenario, rpm: number, burst: number): Record<string, unknown> {
  if (scenario === 'random-429') return { latencyMs: LATENCY_MS, faultRate: FAULT_RATE, seed: 7 };
  if (scenario === 'token-bucket') return { latencyMs: LATENCY_MS, rpm, burst };
  return { latencyMs: LATENCY_MS };
}

/** Runs every scenario `repeats` times, interleaved, after one warm-up run against the fault-free server. */
export async function measureRateLimits(options: BenchOptions): Promise<Record<Scenario, RateLimitRun[]>> {
  const { rpm, calls, bucketCalls, burst, storeParent } = sizes(options);
  const servers = new Map<Scenario, ChildServer>();
  const runs: Record<Scenario, RateLimitRun[]> = { 'fault-free': [], 'random-429': [], 'token-bucket': [] };
  try {
    for (const scenario of SCENARIOS) servers.set(scenario, await startChild({ script: 'scripted-rate-limit.ts', args: serverArguments(scenario, rpm, burst) }));
    let seed = 10_000;
    await collectUnderRateLimits((servers.get('fault-free') as ChildServer).url, collectionInputs(Math.min(calls, 300), seed++), CONCURRENCY, storeParent);
    for (let repeat = 0; repeat < options.repeats; repeat++) {
      for (const scenario of SCENARIOS) {
        const count = scenario === 'token-bucket' ? bucketCalls : calls;
        const run = await collectUnderRateLimits((servers.get(scenario) as ChildServer).url, collectionInputs(count, seed++), CONCURRENCY, storeParent);
        runs[scenario].push(run);
        process.stderr.write(`  rate limits ${scenario}: ${format(run.answered / run.seconds)} answers/s, ${run.throttled} 429s, ${run.failed} failed\n`);
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()));
  }
  return runs;
}

/** The two entries: the token-bucket server against its allowed rate, random 429s against no faults. */
export function rateLimitEntries(options: BenchOptions, runs: Record<Scenario, RateLimitRun[]>): BenchmarkEntry[] {
  const { rpm, calls, bucketCalls, burst, storeParent } = sizes(options);
  const rate = (scenario: Scenario) => runs[scenario].map((run) => run.answered / run.seconds);
  const perAnswer = (scenario: Scenario) => runs[scenario].map((run) => run.throttled / Math.max(1, run.answered));
  const rateTo95 = (scenario: Scenario) => runs[scenario].map((run) => (0.95 * run.answered) / run.secondsTo95);
  const cpu = (scenario: Scenario) => runs[scenario].map((run) => run.cpuMicrosPerAnswer);
  const failed = (scenario: Scenario) => runs[scenario].reduce((sum, run) => sum + run.failed, 0);
  const allowed = rpm / 60;
  const rateRatio = median(rate('token-bucket')) / allowed;
  const faultRatio = median(rate('random-429')) / median(rate('fault-free'));
  const faultRatioTo95 = median(rateTo95('random-429')) / median(rateTo95('fault-free'));
  const dataset = (count: number) => `${count} distinct inputs of the synthetic 4-label task per run, every one a call (a fresh SQLite store each run, under ${storeParent}: see rate-limit-runs.ts for why)`;
  const common = { command: options.command, repeats: options.repeats };
  const adaptive = 'On a 429 only the call that got it waits its Retry-After, without holding a worker (src/collect/worker-pool.ts). The shared rate (src/collect/adaptive-rate.ts) is cut when more than 15 % of recent requests were refused, by a factor that grows with that share, at most halved and not below the accepted rate plus 15 %; a cut that lowers the accepted rate with it is undone (the 429s were random, not a limit); each answer raises the rate additively. A run ends with the calls refused last waiting out their Retry-After, which the figures include.';
  return [
    {
      ...common, dataset: dataset(bucketCalls), id: 'collector-rate-limited', title: `The collector against an unannounced limit of ${rpm} requests per minute`,
      settings: `a scripted token-bucket server (${rpm} requests/min, bucket of ${burst}; over the limit it answers 429 with Retry-After in whole seconds, at least 1) in a child process on loopback, ${LATENCY_MS} ms latency; the collector with ${CONCURRENCY} workers, no rpm in its settings, maxRetries 5; the rate is timed from the first call`,
      peerName: `allowed rate (${rpm}/min)`, oursName: 'collector',
      metrics: [
        metric('answers per second', 'answers/s', 'higher', rate('token-bucket'), [allowed]),
        metric('answers per second until 95 % are in', 'answers/s', 'higher', rateTo95('token-bucket'), [allowed]),
        metric('429s per answer', 'ratio', 'lower', perAnswer('token-bucket'), null),
        metric('client CPU per answer', 'µs', 'lower', cpu('token-bucket'), null),
      ],
      notes: [
        `Goal: ≥ ${RATE_GOAL} of the allowed rate. Measured ${rateRatio.toFixed(3)}: ${verdict(rateRatio, RATE_GOAL, 'higher')}. Inputs that failed for good (all retries refused): ${failed('token-bucket')}.`,
        adaptive,
        `Before (commit 36fc617, where each 429 with a Retry-After paused every worker; 6000/min, 1500 calls, one repeat, same machine): ${BEFORE.tokenBucket.answersPerSecond} answers/s, ${format(BEFORE.tokenBucket.answersPerSecond / 100)} of the allowed rate, ${BEFORE.tokenBucket.throttled} 429s.`,
      ],
      extra: { runs: runs['token-bucket'], before: BEFORE.tokenBucket },
    },
    {
      ...common, dataset: dataset(calls), id: 'collector-random-429', title: 'The collector with 10 % random 429s (Retry-After: 1) vs none',
      settings: `two scripted servers in child processes on loopback, ${LATENCY_MS} ms latency: one answers every request, the other answers ${100 * FAULT_RATE} % of requests (a seeded coin) with 429 and Retry-After: 1; the collector with ${CONCURRENCY} workers, maxRetries 5; runs interleaved; the rate is timed from the first call`,
      peerName: 'same server, no faults', oursName: 'with 10 % random 429s',
      metrics: [
        metric('answers per second', 'answers/s', 'higher', rate('random-429'), rate('fault-free')),
        metric('answers per second until 95 % are in', 'answers/s', 'higher', rateTo95('random-429'), rateTo95('fault-free')),
        metric('429s per answer', 'ratio', 'lower', perAnswer('random-429'), null),
        metric('client CPU per answer', 'µs', 'lower', cpu('random-429'), cpu('fault-free')),
      ],
      notes: [
        `Goal: ≥ ${FAULT_GOAL} of the fault-free throughput. Measured ${faultRatio.toFixed(3)} over whole runs: ${verdict(faultRatio, FAULT_GOAL, 'higher')}. Inputs that failed for good: ${failed('random-429')}.`,
        `Until 95 % of the answers are in, ${faultRatioTo95.toFixed(3)} of the fault-free rate: the rest of the gap is the drain at the end, where the calls refused last (some twice or three times) wait out their Retry-After of 1 s each with nothing else left to send — a fixed cost of a second or two, so a longer run loses less of its rate to it. Each 429 also costs a request's latency: 10 % of them is 11 % more requests.`,
        adaptive,
        `Before (commit 36fc617, where each 429 paused every worker for its Retry-After; 1500 calls, one repeat, same machine): ${BEFORE.randomFaults.answersPerSecond} answers/s against ${BEFORE.randomFaults.faultFree} without faults, ${format(BEFORE.randomFaults.answersPerSecond / BEFORE.randomFaults.faultFree)} of it.`,
      ],
      extra: { runs: { faulty: runs['random-429'], faultFree: runs['fault-free'] }, before: BEFORE.randomFaults },
    },
  ];
}
