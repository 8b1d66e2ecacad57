/**
 * What each detector costs per request: CPU time (not wall time, so other work on the machine does not
 * inflate it) of observe + score, each detector alone over the same stretch of simulated traffic. The
 * shared prompt sketch is measured on its own; each detector is timed chunk by chunk with the chunk's
 * sketches already made.
 */
import { sketchOf } from '../../src/guard/detectors/prompt-sketch.js';
import type { Detector } from '../../src/guard/types.js';
import type { Arrival, SimulatedClock } from './simulate.js';
import type { SimulatedKey } from './requests.js';

/** Microseconds of CPU per request. */
export interface DetectorCosts { sketch: number; detectors: Array<{ name: string; microseconds: number }> }

/** CPU microseconds elapsed while `work` runs. */
function cpuMicroseconds(work: () => void): number {
  const started = process.cpuUsage();
  work();
  const used = process.cpuUsage(started);
  return used.user + used.system;
}

/** Requests per timed chunk: the sketch cache holds 32, so a chunk's sketches are all ready when its detector runs. */
const CHUNK = 32;

/** Measures the sketch and each detector over `order` (fresh detectors from `make`, one at a time). */
export function detectorCosts(keys: readonly SimulatedKey[], order: readonly Arrival[], make: (clock: SimulatedClock) => Detector[]): DetectorCosts {
  const sketchOnly = () => cpuMicroseconds(() => order.forEach((arrival) => sketchOf({ ...arrival.features })));
  // Twice, the lower kept: the first pass also pays for compiling the code.
  const sketch = Math.min(sketchOnly(), sketchOnly()) / order.length;
  const count = make({ now: 0 }).length;
  const detectors = Array.from({ length: count }, (_, index) => {
    const clock: SimulatedClock = { now: 0 };
    const detector = make(clock)[index] as Detector;
    let spent = 0;
    for (let start = 0; start < order.length; start += CHUNK) {
      const chunk = order.slice(start, start + CHUNK);
      chunk.forEach((arrival) => sketchOf(arrival.features));
      spent += cpuMicroseconds(() => {
        for (const arrival of chunk) {
          clock.now = arrival.at;
          const id = (keys[arrival.key] as SimulatedKey).id;
          void detector.observe(id, arrival.features);
          void detector.score(id);
        }
      });
    }
    return { name: detector.name, microseconds: spent / order.length };
  });
  return { sketch, detectors };
}
