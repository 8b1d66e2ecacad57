import { readInputs } from '../data/read-inputs.js';
import type { LoadedTask } from '../spec/load.js';
import type { InputRecord, Store } from '../store/types.js';
import type { EventSink } from './events.js';
import { RunStoppedError } from './errors.js';

/** Reads the task's inputs and records them in the store (idempotent: known inputs are kept). */
export async function importInputs(task: LoadedTask, store: Store, emit: EventSink): Promise<InputRecord[]> {
  emit({ type: 'stage-start', stage: 'import', detail: task.spec.inputs.path });
  const { records, warnings } = await readInputs(task.spec.inputs, task.baseDir, task.spec.labels);
  for (const message of warnings) emit({ type: 'warning', stage: 'import', message });
  const limited = task.spec.inputs.limit === undefined ? records : records.slice(0, task.spec.inputs.limit);
  if (limited.length === 0) throw new RunStoppedError(`no inputs found in ${task.spec.inputs.path}`, 'no-data');
  const added = await store.addInputs(limited);
  const withGold = limited.filter((record) => record.gold !== null).length;
  emit({
    type: 'stage-done',
    stage: 'import',
    summary: `${limited.length} inputs (${added} new${withGold > 0 ? `, ${withGold} with gold labels` : ''})`,
    data: { inputs: limited.length, added, withGold },
  });
  return limited;
}
