import { describeObservationBusConformance } from './observation-bus-conformance.js';
import { InProcessObservationBus } from './observation-bus.js';

describeObservationBusConformance('in-process', async () => {
  // One process: both "replicas" hold the same bus, which is what sharing means here.
  const bus = new InProcessObservationBus();
  return { a: bus, b: bus, close: () => bus.close() };
});
