import { readInputs } from '../data/read-inputs.js';
import type { LoadedTask } from '../spec/load.js';
import type { InputRecord, Store } from '../store/types.js';
import type { EventSink } from './events.js';
import { RunStoppedError } from './errors.js';

/** Reads the task's inputs and records them in the store (idempotent: known inputs are kept). */
export async function importInputs(task: LoadedTask, store: Store, emit: EventSink): Promise<InputRecord[]> {
  emit({ type: 'stage-start', stage: 'import', detail: task.spec.inputs.path });
  const { records: inputs, warnings } = await readInputs(task.spec.inputs, task.baseDir, task.spec.labels);
  for (const message of warnings) emit({ type: 'warning', stage: 'import', message });
  if (inputs.length === 0) throw new RunStoppedError(`no inputs found in ${task.spec.inputs.path}`, 'no-data');
  const added = await store.addInputs(inputs);
  const withGold = inputs.filter((record) => record.gold !== null).length;
  emit({
    type: 'stage-done',
    stage: 'import',
    summary: `${inputs.length} inputs (${added} new${withGold > 0 ? `, ${withGold} with gold labels` : ''})`,
    data: { inputs: inputs.length, added, withGold },
  });
  return inputs;
}
