/**
 * An owner-set request ceiling on top of the calibrated risk: when the operator names a volume
 * (`guard serve --requests-per-minute N`), a key's volume score counts in full, whatever the fitted
 * model weighs volume at (it weighs it at 0: honest heavy users are too common for volume alone to mean harvesting).
 */
import type { DetectorScore } from './types.js';

/** How detector scores become one risk (what `withVolumeCeiling` wraps). */
export type Combine = (scores: ReadonlyArray<{ name: string; result: DetectorScore }>) => DetectorScore;

/** `combine`, raised to the volume detector's own score when that is higher. */
export function withVolumeCeiling(combine: Combine, detectorName = 'volume'): Combine {
  return (scores) => {
    const combined = combine(scores);
    const volume = scores.find((entry) => entry.name === detectorName)?.result;
    if (volume === undefined || !(volume.score > combined.score)) return combined;
    return { score: Math.min(1, volume.score), reasons: [...volume.reasons.map((reason) => `${detectorName} (owner-set ceiling): ${reason}`), ...combined.reasons] };
  };
}
