import type { TaskSpec } from '../task/schema.js';
import type { SplitAssignment } from '../store/types.js';
import { unitInterval } from '../util/hash.js';

/** The split of one id: a hash of seed and id against the cumulative fractions (stable across runs). */
export function splitOf(id: string, split: TaskSpec['split']): SplitAssignment['split'] {
  const position = unitInterval(`${split.seed}:${id}`);
  if (position < split.train) return 'train';
  if (position < split.train + split.val) return 'val';
  return 'test';
}

/** One assignment per record in input order; a duplicate follows the record it duplicates. */
export function assignSplits(records: readonly { id: string }[], duplicates: ReadonlyMap<string, string>, split: TaskSpec['split']): SplitAssignment[] {
  return records.map((record) => {
    const original = duplicates.get(record.id);
    return { inputId: record.id, split: splitOf(original ?? record.id, split), duplicateOf: original ?? null };
  });
}
