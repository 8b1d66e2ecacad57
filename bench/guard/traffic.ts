/** One seed's simulated population: benign keys, distiller keys, and benign reference prompts for the MMD test. */
import { benignKeys } from './benign-users.js';
import type { TrafficCorpus } from './corpus.js';
import { distillerKeys } from './distillers.js';
import { Random } from './random.js';
import type { SimulatedKey } from './requests.js';
import { newText } from '../../src/guard/detectors/prompt-sketch.js';

/** How big a population to simulate. */
export interface PopulationSize {
  benign: number;
  perStrategy: number;
  cohortSize: number;
  days: number;
  /** Benign keys whose prompts form the MMD reference (disjoint from the evaluated ones). */
  referenceKeys: number;
}

/** Everything simulated for one seed. */
export interface Population { seed: number; keys: SimulatedKey[]; reference: string[] }

/** Simulation time starts here (a Monday, 2024-01-01 00:00 UTC): any fixed instant would do. */
export const SIMULATION_START = Date.UTC(2024, 0, 1);

/** Simulates a population for `seed`. */
export function simulatePopulation(corpus: TrafficCorpus, seed: number, size: PopulationSize): Population {
  const random = new Random(seed);
  const keys = [...benignKeys(random.fork('benign'), corpus, size.benign, SIMULATION_START, size.days), ...distillerKeys(random.fork('distillers'), corpus, size.perStrategy, size.cohortSize, SIMULATION_START, size.days)];
  // The reference is traffic of other benign people: an operator would sample their normal traffic.
  const referenceRandom = random.fork('reference');
  const reference = benignKeys(referenceRandom, corpus, size.referenceKeys, SIMULATION_START, size.days).flatMap((key) => referenceRandom.shuffle(key.requests).slice(0, 40).map((request) => newText(request)));
  return { seed, keys, reference };
}
