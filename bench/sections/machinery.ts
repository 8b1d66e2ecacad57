/**
 * The machinery itself, each against the fastest thing that does the same job, in the same run:
 *  1. Collection overhead: calls/s of the real collector (OpenAI teacher on the openai SDK, SQLite
 *     store, budget, journal) vs the openai SDK alone vs a bare undici loop (the ceiling), same calls,
 *     same concurrency, against a constant OpenAI-compatible server in a child process.
 *  2. `distillery serve` (an n-gram student, loaded from its file) under autocannon vs a bare
 *     node:http server answering a constant chat completion (the ceiling); each server in a child process.
 *  3. The collector under 429s (bench/load/rate-limit-bench.ts): against a scripted token-bucket
 *     server enforcing N requests/minute, and with 10 % random 429s against no faults.
 * Knobs: --machinery-calls=N, --machinery-concurrency=C, --profile=DIR (children write --cpu-prof profiles there),
 * --machinery-parts=collection,serve,rate-limits (default all; a partial run keeps the other parts' entries as they were),
 * --rate-limit-rpm=N, --rate-limit-calls=N.
 */
import { startChild, type ChildServer } from '../load/child.js';
import { autocannonLoad, type TargetRequest } from '../load/http-load.js';
import { chatBody, loadNote, median, metric, profileDir, verdict, withServerCpu, type MeasuredLoad } from '../load/measure.js';
import { measureRateLimits, rateLimitEntries } from '../load/rate-limit-bench.js';
import { bareUndiciCalls, collectionInputs, collectorCalls, sdkCalls, type CallRun } from '../load/teacher-clients.js';
import type { BenchOptions } from '../options.js';
import { format, machineFacts, writeChart, writeSection, type BenchmarkEntry } from '../report.js';
import { horizontalBars } from '../../src/eval/charts.js';

const COLLECT_GOAL = 0.8;
const SERVE_GOAL = 0.5;

/** Sizes for quick and full runs. */
function sizes(options: BenchOptions) {
  const calls = Number(options.argument('machinery-calls') ?? (options.quick ? 1500 : 6000));
  const concurrency = Number(options.argument('machinery-concurrency') ?? 16);
  if (!Number.isInteger(calls) || calls < 100) throw new Error('--machinery-calls must be an integer >= 100');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--machinery-concurrency must be a positive integer');
  return { calls, concurrency, warmupCalls: Math.min(calls, options.quick ? 300 : 1000), serveSeconds: options.quick ? 3 : 10, warmupSeconds: options.quick ? 1 : 2, connections: [10, 50] };
}

type Client = 'undici' | 'sdk' | 'collector';
const CLIENTS: Record<Client, (baseURL: string, inputs: ReturnType<typeof collectionInputs>, concurrency: number) => Promise<CallRun>> = {
  undici: bareUndiciCalls, sdk: sdkCalls, collector: collectorCalls,
};

/** Runs the three clients `repeats` times, interleaved, after one warm-up run each (JIT, connections). */
async function measureCollection(options: BenchOptions, server: ChildServer): Promise<Record<Client, CallRun[]>> {
  const { calls, concurrency, warmupCalls } = sizes(options);
  const runs: Record<Client, CallRun[]> = { undici: [], sdk: [], collector: [] };
  let seed = 1;
  for (const client of Object.keys(CLIENTS) as Client[]) await CLIENTS[client](server.url, collectionInputs(warmupCalls, seed++), concurrency);
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    for (const client of Object.keys(CLIENTS) as Client[]) {
      const run = await CLIENTS[client](server.url, collectionInputs(calls, seed++), concurrency);
      runs[client].push(run);
      process.stderr.write(`  collection ${client}: ${format(run.calls / run.seconds)} calls/s, ${format(run.cpuMicrosPerCall)} µs CPU per call\n`);
    }
  }
  return runs;
}

/** The two collection entries: against the ceiling, and against the SDK alone (where the time goes). */
function collectionEntries(options: BenchOptions, runs: Record<Client, CallRun[]>): BenchmarkEntry[] {
  const { calls, concurrency } = sizes(options);
  const rate = (client: Client) => runs[client].map((run) => run.calls / run.seconds);
  const cpu = (client: Client) => runs[client].map((run) => run.cpuMicrosPerCall);
  const ratio = median(rate('collector')) / median(rate('undici'));
  const sdkShare = median(rate('sdk')) / median(rate('undici'));
  const overSdk = median(rate('collector')) / median(rate('sdk'));
  const planShare = median(runs.collector.map((run) => (run.planSeconds ?? 0) / run.seconds));
  const common = {
    command: options.command, repeats: options.repeats,
    dataset: `${calls} distinct inputs of the synthetic 4-label task, one system and one user message each`,
    settings: `concurrency ${concurrency}; a constant OpenAI-compatible server (bare node:http, one chat completion with logprobs) in a child process on loopback; every run starts from an empty store, so every input is a call`,
  };
  const ceiling: BenchmarkEntry = {
    ...common, id: 'collector-vs-undici', title: 'Collection overhead: the collector vs a bare undici loop', peerName: 'bare undici loop (ceiling)', oursName: 'collector',
    metrics: [
      metric('throughput', 'calls/s', 'higher', rate('collector'), rate('undici')),
      metric('client CPU per call', 'µs', 'lower', cpu('collector'), cpu('undici')),
    ],
    notes: [
      `Goal: ≥ ${COLLECT_GOAL} of the ceiling. Measured ${format(ratio)}: ${verdict(ratio, COLLECT_GOAL, 'higher')}.`,
      `The openai SDK alone, with no collector around it, reaches ${format(sdkShare)} of the ceiling; the collector reaches ${format(overSdk)} of the SDK alone (next table). The teacher is built on the SDK (ARCHITECTURE.md), so the SDK's share bounds the collector's.`,
      `The collector's figure includes everything a run does: adding the inputs, the cache look-ups and token estimates before the first call (${format(100 * planShare)} % of its time), the budget, and the journal (a reservation made durable before every call is sent and a durable commit after it: group-committed, the WAL flushed on libuv's thread pool, src/store/wal-sync.ts).`,
      'The bare loop sends the same JSON body over an undici Pool with the same concurrency and parses every answer; it does nothing else.',
    ],
    extra: { runs },
  };
  const sdk: BenchmarkEntry = {
    ...common, id: 'collector-vs-sdk', title: 'Collection overhead: the collector vs the openai SDK alone', peerName: 'openai SDK alone', oursName: 'collector',
    metrics: [
      metric('throughput', 'calls/s', 'higher', rate('collector'), rate('sdk')),
      metric('client CPU per call', 'µs', 'lower', cpu('collector'), cpu('sdk')),
    ],
    notes: [
      `CPU per call, medians: bare undici ${format(median(cpu('undici')))} µs, the SDK alone ${format(median(cpu('sdk')))} µs, the collector ${format(median(cpu('collector')))} µs — so of the collector's CPU, ${format(100 * median(cpu('sdk')) / median(cpu('collector')))} % is the SDK (and the fetch under it) and ${format(100 * (1 - median(cpu('sdk')) / median(cpu('collector'))))} % the collector, store and teacher mapping.`,
      'The journal\'s disk flushes run off the event loop, one per group commit, so a call waits for its reservation\'s flush but the other calls go on meanwhile; the gap that remains is CPU.',
    ],
    extra: {},
  };
  return [ceiling, sdk];
}

/** Measures one server at each connection count, interleaving repeats with the ceiling server. */
async function measureServe(options: BenchOptions, servers: Record<'student' | 'constant', { child: ChildServer; target: TargetRequest }>) {
  const { serveSeconds, warmupSeconds, connections } = sizes(options);
  const results: Record<string, Record<'student' | 'constant', MeasuredLoad[]>> = {};
  for (const side of ['student', 'constant'] as const) await autocannonLoad(servers[side].target, { connections: 10, durationS: warmupSeconds });
  for (const count of connections) {
    const perSide: Record<'student' | 'constant', MeasuredLoad[]> = { student: [], constant: [] };
    for (let repeat = 0; repeat < options.repeats; repeat++) {
      for (const side of ['student', 'constant'] as const) {
        const result = await withServerCpu([servers[side].child], () => autocannonLoad(servers[side].target, { connections: count, durationS: serveSeconds }));
        perSide[side].push(result);
        process.stderr.write(`  serve ${side} c=${count}: ${format(result.requestsPerSecond)} req/s, p50 ${format(result.p50)} ms, p99 ${format(result.p99)} ms\n`);
      }
    }
    results[String(count)] = perSide;
  }
  return results;
}

/** One entry per connection count: `distillery serve` vs the constant server. */
function serveEntries(options: BenchOptions, results: Awaited<ReturnType<typeof measureServe>>): BenchmarkEntry[] {
  const { serveSeconds } = sizes(options);
  return Object.entries(results).map(([count, sides]) => {
    const pick = (side: 'student' | 'constant', value: (load: MeasuredLoad) => number) => sides[side].map(value);
    const ratio = median(pick('student', (load) => load.requestsPerSecond)) / median(pick('constant', (load) => load.requestsPerSecond));
    const studentCpu = median(pick('student', (load) => load.cpuMicrosPerRequest[0] ?? Number.NaN));
    const constantCpu = median(pick('constant', (load) => load.cpuMicrosPerRequest[0] ?? Number.NaN));
    return {
      id: `serve-c${count}`, title: `\`distillery serve\` vs a constant node:http server, ${count} connections`, command: options.command, repeats: options.repeats,
      dataset: 'one chat completion request (a one-sentence user message, logprobs with top_logprobs 4) sent over and over',
      settings: `autocannon in the bench process, ${count} connections, pipelining 1, ${serveSeconds} s per run after a warm-up; each server alone in a child process; the student is an n-gram model (4 labels) loaded from its file as \`distillery serve\` loads it`,
      peerName: 'bare node:http, constant answer (ceiling)', oursName: 'distillery serve',
      metrics: [
        metric('throughput', 'req/s', 'higher', pick('student', (load) => load.requestsPerSecond), pick('constant', (load) => load.requestsPerSecond)),
        metric('latency p50', 'ms', 'lower', pick('student', (load) => load.p50), pick('constant', (load) => load.p50)),
        metric('latency p99', 'ms', 'lower', pick('student', (load) => load.p99), pick('constant', (load) => load.p99)),
        metric('server CPU per request', 'µs', 'lower', pick('student', (load) => load.cpuMicrosPerRequest[0] ?? Number.NaN), pick('constant', (load) => load.cpuMicrosPerRequest[0] ?? Number.NaN)),
      ],
      notes: [
        `Goal: ≥ ${SERVE_GOAL} of the ceiling's throughput. Measured ${format(ratio)}: ${verdict(ratio, SERVE_GOAL, 'higher')}.`,
        `Per request the server spends ${format(studentCpu)} µs of CPU against the ceiling's ${format(constantCpu)} µs: validating the request, tokenising the messages for \`usage\` (o200k), predicting, and building the logprobs answer. Latencies are autocannon's per-response times (µs resolution), not its 1 ms histogram.`,
      ],
      extra: { runs: sides },
    };
  });
}

const PARTS = ['collection', 'serve', 'rate-limits'] as const;
type Part = (typeof PARTS)[number];

/** The parts of the section this run measures (--machinery-parts). */
function parts(options: BenchOptions): Set<Part> {
  const named = options.argument('machinery-parts')?.split(',').filter(Boolean) ?? [...PARTS];
  const unknown = named.filter((part) => !(PARTS as readonly string[]).includes(part));
  if (unknown.length > 0) throw new Error(`unknown --machinery-parts ${unknown.join(', ')}; known: ${PARTS.join(', ')}`);
  return new Set(named as Part[]);
}

/** The collection and serve parts: both against children started here. */
async function measureOverhead(options: BenchOptions, wanted: Set<Part>): Promise<{ entries: BenchmarkEntry[]; intro: string | undefined }> {
  if (!wanted.has('collection') && !wanted.has('serve')) return { entries: [], intro: undefined };
  const note = loadNote();
  const profiles = profileDir(options.argument);
  const constant = await startChild({ script: 'constant-chat.ts', profileDir: profiles });
  let collection: Record<Client, CallRun[]> | null = null;
  let serve: Awaited<ReturnType<typeof measureServe>> | null = null;
  const student = await startChild({ script: 'student.ts', profileDir: profiles }).catch(async (error: unknown) => {
    await constant.stop();
    throw error;
  });
  try {
    if (wanted.has('collection')) collection = await measureCollection(options, constant);
    const target = (child: ChildServer, model: string): TargetRequest => ({ url: `${child.url}/chat/completions`, headers: { 'content-type': 'application/json' }, body: chatBody(model) });
    if (wanted.has('serve')) serve = await measureServe(options, { student: { child: student, target: target(student, 'student') }, constant: { child: constant, target: target(constant, 'constant') } });
  } finally {
    await Promise.all([constant.stop(), student.stop()]);
  }
  if (profiles !== null) process.stderr.write(`  child profiles (--cpu-prof) are in ${profiles}\n`);
  const entries = [...(collection === null ? [] : collectionEntries(options, collection)), ...(serve === null ? [] : serveEntries(options, serve))];
  if (collection === null) return { entries, intro: undefined };
  const runs = collection;
  const rate = (client: Client) => median(runs[client].map((run) => run.calls / run.seconds));
  const chart = writeChart('machinery-collection.svg', horizontalBars([
    { label: 'bare undici loop', value: rate('undici') },
    { label: 'openai SDK alone', value: rate('sdk') },
    { label: 'collector', value: rate('collector') },
  ], 'Chat completions per second, same calls, same concurrency', { format: (value) => format(value), axisLabel: 'calls/s' }), 'calls per second: bare undici, the openai SDK alone, the collector');
  const intro = [
    'How much the machinery costs on top of the fastest thing that does the same job, measured in the same run. CPU per call or request is given beside every rate: it stays meaningful on a busy machine, where rates and p99 do not.',
    '',
    note,
    '',
    chart,
  ].join('\n');
  return { entries, intro };
}

/** Runs the section (or the parts named) and writes it. */
export async function run(options: BenchOptions): Promise<void> {
  const wanted = parts(options);
  const overhead = await measureOverhead(options, wanted);
  const rateLimits = wanted.has('rate-limits') ? rateLimitEntries(options, await measureRateLimits(options)) : [];
  const entries = [...overhead.entries, ...rateLimits];
  const partial = wanted.size < PARTS.length;
  writeSection({ id: 'machinery', title: 'The machinery itself', ...(overhead.intro === undefined ? {} : { intro: overhead.intro }), entries, quick: options.quick, facts: machineFacts(), partial });
}
