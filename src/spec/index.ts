export { taskSpecSchema, type TaskSpec, type StudentSettings, type TeacherSettings } from './schema.js';
export { loadTaskFile, parseTaskSpec, SpecError, type LoadedTask, type SpecProblem } from './load.js';
export { renderTemplate, buildMessages } from './template.js';
