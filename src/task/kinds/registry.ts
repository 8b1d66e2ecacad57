/**
 * The task kinds, in one frozen table (like transformers.js's SUPPORTED_TASKS). Adding a kind is a new
 * file beside this one and one line here.
 */
import { classifyKind } from './classify.js';
import { extractKind } from './extract.js';
import { generateKind } from './generate.js';
import type { TaskKind, TaskKindName } from './types.js';

/** Every kind, by the name the task file's `kind:` uses. */
export const TASK_KINDS: Readonly<Record<TaskKindName, TaskKind>> = Object.freeze({
  classify: classifyKind,
  extract: extractKind,
  generate: generateKind,
});

/** The kind names, in registry order (for `kind:` validation and messages). */
export const TASK_KIND_NAMES = Object.freeze(Object.keys(TASK_KINDS) as TaskKindName[]);

/** True when `name` is a registered kind. */
export function isTaskKindName(name: string): name is TaskKindName {
  return Object.hasOwn(TASK_KINDS, name);
}

/** The kind named `name`; an unknown name is an error listing the valid ones. */
export function taskKind(name: string): TaskKind {
  if (!isTaskKindName(name)) throw new RangeError(`unknown task kind "${name}"; valid kinds: ${TASK_KIND_NAMES.join(', ')}`);
  return TASK_KINDS[name];
}
