/** The task kinds' public API: the seam, the registry, and each kind's reader. */
export type { AnswerReader, AnswerReading, JsonSchemaObject, KindSettings, TaskKind, TaskKindName } from './types.js';
export { TASK_KINDS, TASK_KIND_NAMES, isTaskKindName, taskKind } from './registry.js';
export { readSafely } from './read-safely.js';
export { readClassifyAnswer } from './classify.js';
export { readExtractAnswer, jsonText } from './extract.js';
export { readGenerateAnswer } from './generate.js';
export { compileSchema, schemaProblems, type SchemaProblem, type SchemaValidator } from './json-schema.js';
export { labelDistribution, matchLabel, type LabelDistribution, type LogprobCandidate, type LogprobToken } from './label-distribution.js';
