import { readInputs, type ReadInputsResult } from '../data/read-inputs.js';
import { unknownPromptFieldError, type LoadedTask } from '../task/load.js';
import { templateFieldNames } from '../task/template.js';
import type { InputRecord, Store } from '../store/types.js';
import { readCapturedInputs, readsCapture, storeCapturedAnswers, type CapturedAnswer } from './captured-inputs.js';
import type { EventSink } from './events.js';
import { RunStoppedError } from './errors.js';
import type { ResolvedTeacher } from './make-teacher.js';

/** The task's inputs, and for a capture store the answers production already bought. */
export interface TaskInputs extends ReadInputsResult {
  capturedAnswers: CapturedAnswer[];
  /** A line saying how the captured calls were used; absent for other inputs. */
  captureSummary?: string;
}

/** Reads the task's inputs with the prompt's fields; a field that no input has is an error at its placeholder's line. */
export async function readTaskInputs(task: LoadedTask): Promise<TaskInputs> {
  if (readsCapture(task)) {
    const captured = await readCapturedInputs(task);
    const { counts } = captured;
    const captureSummary = `${counts.calls} captured calls: ${counts.matched} carry the task's prompt${counts.repeats > 0 ? ` (${counts.repeats} repeats)` : ''}, ${counts.unmatched} do not`;
    return { ...captured, capturedAnswers: captured.answers, captureSummary };
  }
  const result = await readInputs(task.spec.inputs, task.baseDir, task.spec.labels, templateFieldNames(task.spec.prompt.messages));
  if (result.missingFields.length > 0) throw unknownPromptFieldError(task, result.missingFields, result.availableFields);
  return { ...result, capturedAnswers: [] };
}

/**
 * Reads the task's inputs and records them in the store (idempotent: known inputs are kept). Captured
 * answers that stand for the teacher's are stored too, so collection does not pay for them again.
 */
export async function importInputs(task: LoadedTask, store: Store, emit: EventSink, resolved?: ResolvedTeacher): Promise<InputRecord[]> {
  emit({ type: 'stage-start', stage: 'import', detail: task.spec.inputs.path });
  const { records: inputs, warnings, capturedAnswers, captureSummary } = await readTaskInputs(task);
  for (const message of warnings) emit({ type: 'warning', stage: 'import', message });
  if (inputs.length === 0) {
    const why = captureSummary === undefined ? '' : ` (${captureSummary}: is the task's prompt the one the app sends?)`;
    throw new RunStoppedError(`no inputs found in ${task.spec.inputs.path}${why}`, 'no-data');
  }
  const added = await store.addInputs(inputs);
  const reuse = resolved === undefined || capturedAnswers.length === 0 ? null : await storeCapturedAnswers(task, store, resolved, capturedAnswers);
  const withGold = inputs.filter((record) => record.gold !== null).length;
  const parts = [`${added} new`, ...(withGold > 0 ? [`${withGold} with gold labels`] : [])];
  if (reuse !== null) parts.push(`${reuse.reused + reuse.alreadyStored} answers bought in production reused, ${reuse.notReusable} from another model or request`);
  emit({
    type: 'stage-done',
    stage: 'import',
    summary: `${inputs.length} inputs (${parts.join(', ')})${captureSummary === undefined ? '' : `; ${captureSummary}`}`,
    data: { inputs: inputs.length, added, withGold, ...(reuse === null ? {} : { capturedAnswers: reuse }) },
  });
  return inputs;
}
