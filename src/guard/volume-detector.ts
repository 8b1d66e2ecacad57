/** The volume detector lives with the other detectors in ./detectors/; this path keeps existing imports working. */
export { VolumeDetector, type VolumeDetectorOptions } from './detectors/volume-detector.js';
