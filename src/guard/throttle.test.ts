import { describeThrottleConformance } from './throttle-conformance.js';
import { LocalThrottle } from './throttle.js';

describeThrottleConformance('in-memory', async () => {
  // One process: both "replicas" are the same instance, which is what sharing means here.
  const throttle = new LocalThrottle();
  return { a: throttle, b: throttle, close: async () => undefined };
});
