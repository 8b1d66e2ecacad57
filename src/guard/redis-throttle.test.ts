import { afterAll, describe } from 'vitest';
import { deleteRedisNamespace, redisAnswers, TEST_REDIS_URL, uniqueRedisPrefix } from '../../test/redis-helpers.js';
import { openRedisThrottle } from './redis-throttle.js';
import { describeThrottleConformance } from './throttle-conformance.js';

const available = await redisAnswers('Redis throttle tests');
const run = uniqueRedisPrefix('throttle');
let counter = 0;

afterAll(async () => {
  if (available) await deleteRedisNamespace(run);
});

describe.runIf(available)('Redis throttle', () => {
  // Two connections on one namespace: two replicas' throttles.
  describeThrottleConformance('redis', async () => {
    const prefix = `${run}:${counter++}`;
    const [a, b] = await Promise.all([openRedisThrottle({ url: TEST_REDIS_URL, prefix }), openRedisThrottle({ url: TEST_REDIS_URL, prefix })]);
    return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
  });
});
