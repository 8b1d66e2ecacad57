/**
 * Load generators for the HTTP benchmarks, all in the parent process (servers run in children):
 *  - `autocannonLoad`: closed-loop (or autocannon's per-second-quota rate) load; autocannon's own
 *    latency histogram has 1 ms resolution, so latencies are taken from its per-response events instead.
 *  - `pacedLoad`: open-loop arrivals at a steady rate (one batch per timer tick, ~1 ms apart) over an
 *    undici Pool, each latency measured from the moment the request was issued, queueing included.
 */
import autocannon from 'autocannon';
import { Pool } from 'undici';

/** Latency percentiles in milliseconds. */
export interface LatencySummary { p50: number; p99: number; max: number }

/** What one load run measured. */
export interface LoadResult extends LatencySummary {
  /** 2xx responses per second over the run. */
  requestsPerSecond: number;
  /** Requests answered (2xx). */
  answered: number;
}

/** One HTTP request to send repeatedly. */
export interface TargetRequest {
  /** Full URL of the endpoint, e.g. http://127.0.0.1:1234/v1/chat/completions. */
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] as number;
}

/** p50, p99 and max of unsorted latencies. */
export function latencySummary(latencies: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const list = Array.from(sorted);
  return { p50: percentile(list, 0.5), p99: percentile(list, 0.99), max: list[list.length - 1] ?? Number.NaN };
}

/** Settings of an autocannon run. */
export interface AutocannonSettings {
  connections: number;
  durationS: number;
  /** autocannon's overallRate: each connection sends its share of the per-second quota, back to back, then waits for the next second. */
  overallRate?: number;
}

/** Throws when a run saw failures: a benchmark of error answers measures the wrong thing. */
function checkClean(what: string, result: autocannon.Result): void {
  if (result.errors > 0 || result.non2xx > 0 || result.timeouts > 0) {
    throw new Error(`${what}: ${result.non2xx} non-2xx answers (${JSON.stringify(result.statusCodeStats)}), ${result.errors} errors, ${result.timeouts} timeouts`);
  }
}

/** Runs autocannon against `target` (POST, pipelining 1) and resolves with throughput and exact latencies. */
export function autocannonLoad(target: TargetRequest, settings: AutocannonSettings): Promise<LoadResult> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: target.url, method: 'POST', headers: target.headers, body: target.body, pipelining: 1, connections: settings.connections,
      duration: settings.durationS, ...(settings.overallRate === undefined ? {} : { overallRate: settings.overallRate }),
    }, (error, result) => {
      if (error) return reject(error);
      try {
        checkClean(`autocannon ${target.url}`, result);
      } catch (failure) {
        return reject(failure);
      }
      resolve({ requestsPerSecond: result['2xx'] / result.duration, answered: result['2xx'], ...latencySummary(latencies) });
    });
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode < 300) latencies.push(responseTime);
    });
  });
}

/** Settings of a paced (open-loop) run. */
export interface PacedSettings {
  /** Requests per second, spread evenly. */
  rate: number;
  durationS: number;
  /** Size of the connection pool the arrivals are served from. */
  connections: number;
}

/** Sends requests at a steady rate regardless of how fast answers come; latency includes any queueing. */
export async function pacedLoad(target: TargetRequest, settings: PacedSettings): Promise<LoadResult> {
  const url = new URL(target.url);
  const pool = new Pool(url.origin, { connections: settings.connections, pipelining: 1 });
  const total = Math.round(settings.rate * settings.durationS);
  const latencies: number[] = [];
  const failures: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const send = (): void => {
    const issued = performance.now();
    const pending = pool.request({ path: url.pathname, method: 'POST', headers: target.headers, body: target.body })
      .then(async (response) => {
        await response.body.text();
        if (response.statusCode < 300) latencies.push(performance.now() - issued);
        else failures.push(`HTTP ${response.statusCode}`);
      }, (error: unknown) => void failures.push(error instanceof Error ? error.message : String(error)));
    inFlight.add(pending);
    void pending.finally(() => inFlight.delete(pending));
  };
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * settings.rate) / 1000));
    for (; sent < due; sent++) send();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all([...inFlight]);
  const elapsedS = (performance.now() - started) / 1000;
  await pool.close();
  if (failures.length > 0) throw new Error(`paced load on ${target.url}: ${failures.length} failures, first: ${failures[0]}`);
  return { requestsPerSecond: latencies.length / elapsedS, answered: latencies.length, ...latencySummary(latencies) };
}
