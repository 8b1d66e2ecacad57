export { taskSpecSchema, type TaskSpec, type StudentSettings, type TeacherSettings } from './schema.js';
export { loadTaskFile, parseTaskSpec, parseTaskText, SpecError, type LoadedTask, type SpecProblem, type PromptField } from './load.js';
export { renderTemplate, buildMessages, templateFieldNames } from './template.js';
