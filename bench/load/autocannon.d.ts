/** The slice of autocannon's programmatic API the load benchmarks use (it ships no types). */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      pipelining?: number;
      /** Seconds. */
      duration?: number;
      amount?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      overallRate?: number;
      connectionRate?: number;
      timeout?: number;
      ignoreCoordinatedOmission?: boolean;
    }
    /** hdr-histogram-percentiles-obj: whole milliseconds for latency. */
    interface Histogram {
      average: number; mean: number; stddev: number; min: number; max: number; total: number;
      p50: number; p90: number; p97_5: number; p99: number; p99_9: number;
    }
    interface Result {
      requests: Histogram;
      latency: Histogram;
      throughput: Histogram;
      /** Seconds. */
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
      statusCodeStats: Record<string, { count: number }>;
    }
    interface Instance extends EventEmitter {
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options, callback: (error: Error | null, result: autocannon.Result) => void): autocannon.Instance;
  export = autocannon;
}
