import { CohortDetector } from './cohort-detector.js';
import { conformanceTraffic, detectorConformance } from './detector-conformance.js';
import { DiversityDetector } from './diversity-detector.js';
import { ElicitationDetector } from './elicitation-detector.js';
import { MmdDetector } from './mmd-detector.js';
import { MmdReference } from './mmd-reference.js';
import { NearDuplicateDetector } from './near-duplicate-detector.js';
import { PradaDetector } from './prada-detector.js';
import { RateDetector } from './rate-detector.js';
import { TemplateDetector } from './template-detector.js';
import { VolumeDetector } from './volume-detector.js';

const reference = MmdReference.fromTexts(conformanceTraffic(99, 600).map((features) => features.prompt).filter((prompt) => prompt.length > 0 && prompt.length < 500), { windowSize: 20 });

detectorConformance('volume', { make: (clock) => new VolumeDetector({ now: () => clock.now }) });
detectorConformance('rate', { make: (clock) => new RateDetector({ now: () => clock.now }) });
detectorConformance('diversity', { make: () => new DiversityDetector() });
detectorConformance('template', { make: () => new TemplateDetector({ quoteSkeleton: true }) });
detectorConformance('near-duplicate', { make: () => new NearDuplicateDetector() });
detectorConformance('elicitation', { make: () => new ElicitationDetector() });
detectorConformance('prada', { make: () => new PradaDetector() });
detectorConformance('mmd (given a reference)', { make: () => new MmdDetector({ reference, windowSize: 20 }) });
detectorConformance('mmd (learning its reference from traffic)', { make: () => new MmdDetector({ windowSize: 20, learnFromFirst: 200, learnPerKey: 150 }), crossKey: true });
detectorConformance('cohort', { make: () => new CohortDetector({ indexSize: 2000 }), crossKey: true });
