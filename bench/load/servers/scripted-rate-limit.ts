/**
 * A scripted rate-limiting teacher for the rate-limit benchmark (a scripted server, not a model):
 * every request is answered after `latencyMs` with the constant chat completion, unless
 *  - `rpm` is set and its token bucket (refilled at rpm per minute, holding `burst` requests) is
 *    empty: then 429 with `Retry-After` in whole seconds (HTTP's only unit; at least 1), as a
 *    provider's requests-per-minute limit does;
 *  - a seeded coin with probability `faultRate` says so: then 429 with `Retry-After: faultRetryAfterSeconds`
 *    (default 1), whatever the rate.
 * The 429 is sent after the same latency.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../../src/util/random.js';
import { TokenBucket } from '../../../src/util/token-bucket.js';
import { constantCompletionBody } from './constant-body.js';
import { serveChild } from './serve-child.js';

await serveChild(async (args) => {
  const latencyMs = Number(args['latencyMs'] ?? 27);
  const rpm = args['rpm'] === undefined ? null : Number(args['rpm']);
  const faultRate = Number(args['faultRate'] ?? 0);
  const faultRetryAfterSeconds = Number(args['faultRetryAfterSeconds'] ?? 1);
  const random = seededRandom(Number(args['seed'] ?? 1));
  const bucket = rpm === null ? null : new TokenBucket(Number(args['burst'] ?? Math.max(1, rpm / 600)), rpm, () => performance.now());
  const body = Buffer.from(constantCompletionBody());
  const okHeaders = { 'content-type': 'application/json', 'content-length': String(body.length) };
  const refusal = Buffer.from(JSON.stringify({ error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } }));
  const server = createServer((request, response) => {
    request.on('data', () => undefined);
    request.on('end', () => {
      // Decided on arrival, as a provider's limiter does; answered after the latency either way.
      let retryAfterSeconds: number | null = null;
      if (faultRate > 0 && random() < faultRate) {
        retryAfterSeconds = faultRetryAfterSeconds;
      } else if (bucket !== null && !bucket.tryTake(1)) {
        retryAfterSeconds = Math.max(1, Math.ceil(bucket.waitTime(1) / 1000));
      }
      setTimeout(() => {
        if (retryAfterSeconds === null) {
          response.writeHead(200, okHeaders);
          response.end(body);
          return;
        }
        response.writeHead(429, { 'content-type': 'application/json', 'content-length': String(refusal.length), 'retry-after': String(retryAfterSeconds) });
        response.end(refusal);
      }, latencyMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
});
