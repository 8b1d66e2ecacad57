/** The guard's harvesting detectors, and the full default set the gateway runs. */
import type { Detector } from '../types.js';
import { VolumeDetector, type VolumeDetectorOptions } from './volume-detector.js';
import { CohortDetector, type CohortDetectorOptions } from './cohort-detector.js';
import { DiversityDetector, type DiversityDetectorOptions } from './diversity-detector.js';
import { ElicitationDetector, type ElicitationDetectorOptions } from './elicitation-detector.js';
import { MmdDetector, type MmdDetectorOptions } from './mmd-detector.js';
import type { MmdReference } from './mmd-reference.js';
import { NearDuplicateDetector, type NearDuplicateDetectorOptions } from './near-duplicate-detector.js';
import { PradaDetector, type PradaDetectorOptions } from './prada-detector.js';
import { RateDetector, type RateDetectorOptions } from './rate-detector.js';
import { TemplateDetector, type TemplateDetectorOptions } from './template-detector.js';

export { VolumeDetector, type VolumeDetectorOptions } from './volume-detector.js';
export { CohortDetector, type CohortDetectorOptions } from './cohort-detector.js';
export { DiversityDetector, type DiversityDetectorOptions } from './diversity-detector.js';
export { ElicitationDetector, elicitationFlags, type ElicitationDetectorOptions } from './elicitation-detector.js';
export { MmdDetector, type MmdDetectorOptions } from './mmd-detector.js';
export { MmdReference, type MmdReferenceOptions } from './mmd-reference.js';
export { NearDuplicateDetector, type NearDuplicateDetectorOptions } from './near-duplicate-detector.js';
export { PradaDetector, type PradaDetectorOptions } from './prada-detector.js';
export { RateDetector, type RateDetectorOptions } from './rate-detector.js';
export { TemplateDetector, type TemplateDetectorOptions } from './template-detector.js';
export { shapiroWilk, type ShapiroWilkResult } from './shapiro-wilk.js';
export { unbiasedMmdSquared } from './mmd.js';
export { sketchOf, sketchText, type PromptSketch } from './prompt-sketch.js';

/** Settings shared by the default set, plus per-detector overrides. */
export interface DefaultDetectorOptions {
  /** The clock for time windows (a simulated one in tests and the benchmark); default Date.now. */
  now?: () => number;
  /** Keys each detector remembers at once; default 10,000. */
  maxKeys?: number;
  /** Benign prompts for the MMD test; default: learnt from the first traffic. */
  reference?: readonly string[] | MmdReference;
  volume?: VolumeDetectorOptions;
  rate?: RateDetectorOptions;
  diversity?: DiversityDetectorOptions;
  template?: TemplateDetectorOptions;
  nearDuplicate?: NearDuplicateDetectorOptions;
  elicitation?: ElicitationDetectorOptions;
  prada?: PradaDetectorOptions;
  mmd?: MmdDetectorOptions;
  cohort?: CohortDetectorOptions;
}

/** Names of the default detectors, in the order `defaultDetectors` returns them. */
export const DEFAULT_DETECTOR_NAMES = Object.freeze(['volume', 'rate', 'diversity', 'template', 'near-duplicate', 'elicitation', 'prada', 'mmd', 'cohort'] as const);

/** Every harvesting detector with its defaults (overridable per detector). */
export function defaultDetectors(options: DefaultDetectorOptions = {}): Detector[] {
  const shared = { ...(options.maxKeys !== undefined ? { maxKeys: options.maxKeys } : {}) };
  const clock = { ...(options.now !== undefined ? { now: options.now } : {}) };
  const reference = options.reference !== undefined ? { reference: options.reference } : {};
  return [
    new VolumeDetector({ ...clock, ...shared, ...options.volume }),
    new RateDetector({ ...clock, ...shared, ...options.rate }),
    new DiversityDetector({ ...shared, ...options.diversity }),
    new TemplateDetector({ ...shared, ...options.template }),
    new NearDuplicateDetector({ ...shared, ...options.nearDuplicate }),
    new ElicitationDetector({ ...shared, ...options.elicitation }),
    new PradaDetector({ ...shared, ...options.prada }),
    new MmdDetector({ ...reference, ...shared, ...options.mmd }),
    new CohortDetector({ ...shared, ...options.cohort }),
  ];
}
