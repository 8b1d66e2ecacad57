import { readInputs, type ReadInputsResult } from '../data/read-inputs.js';
import { unknownPromptFieldError, type LoadedTask } from '../task/load.js';
import { templateFieldNames } from '../task/template.js';
import type { InputRecord, Store } from '../store/types.js';
import type { EventSink } from './events.js';
import { RunStoppedError } from './errors.js';

/** Reads the task's inputs with the prompt's fields; a field that no input has is an error at its placeholder's line. */
export async function readTaskInputs(task: LoadedTask): Promise<ReadInputsResult> {
  const result = await readInputs(task.spec.inputs, task.baseDir, task.spec.labels, templateFieldNames(task.spec.prompt.messages));
  if (result.missingFields.length > 0) throw unknownPromptFieldError(task, result.missingFields, result.availableFields);
  return result;
}

/** Reads the task's inputs and records them in the store (idempotent: known inputs are kept). */
export async function importInputs(task: LoadedTask, store: Store, emit: EventSink): Promise<InputRecord[]> {
  emit({ type: 'stage-start', stage: 'import', detail: task.spec.inputs.path });
  const { records: inputs, warnings } = await readTaskInputs(task);
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
