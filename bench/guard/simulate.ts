/**
 * Replays simulated keys through detectors on a simulated clock: every request, in time order across
 * all keys, is observed and its key scored by every detector, as the policy engine does. Records each
 * key's scores after each of its requests.
 */
import type { Detector, DetectorScore, RequestFeatures } from '../../src/guard/types.js';
import type { SimulatedKey } from './requests.js';

/** Scores of one key: row r = the detectors' scores after its request r. */
export interface Trajectory {
  key: SimulatedKey;
  /** requests × detectors, row-major. */
  scores: Float32Array;
  /** Every detector's verdict at the key's last request (examples of reasons for the report). */
  lastReasons: Array<{ name: string; result: DetectorScore }>;
}

/** What a replay produced. */
export interface Replay {
  names: string[];
  trajectories: Trajectory[];
  requests: number;
}

/** A clock the detectors read; the replay sets it to each request's arrival time. */
export interface SimulatedClock { now: number }

/** One request of one key, in the global time order. */
export interface Arrival { at: number; key: number; request: number; features: RequestFeatures }

/** All requests of all keys in arrival order (ties broken by key, then request, so the order is stable). */
export function arrivals(keys: readonly SimulatedKey[]): Arrival[] {
  const order: Arrival[] = [];
  keys.forEach((key, keyIndex) => key.requests.forEach((features, requestIndex) => order.push({ at: features.at, key: keyIndex, request: requestIndex, features })));
  return order.sort((a, b) => a.at - b.at || a.key - b.key || a.request - b.request);
}

/** Replays all keys' requests in time order through `detectors`. */
export function replay(keys: readonly SimulatedKey[], detectors: readonly Detector[], clock: SimulatedClock): Replay {
  const names = detectors.map((detector) => detector.name);
  const trajectories: Trajectory[] = keys.map((key) => ({ key, scores: new Float32Array(key.requests.length * detectors.length), lastReasons: [] }));
  const order = arrivals(keys);
  for (const { at, key, request, features } of order) {
    clock.now = at;
    const simulated = keys[key] as SimulatedKey;
    const trajectory = trajectories[key] as Trajectory;
    const last = request === simulated.requests.length - 1;
    detectors.forEach((detector, index) => {
      detector.observe(simulated.id, features);
      const result = detector.score(simulated.id) as DetectorScore;
      trajectory.scores[request * detectors.length + index] = result.score;
      if (last) trajectory.lastReasons.push({ name: detector.name, result });
    });
  }
  return { names, trajectories, requests: order.length };
}
