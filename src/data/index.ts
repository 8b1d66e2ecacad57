export { readInputs, formatOf } from './read-inputs.js';
export { InputError } from './input-error.js';
export { findDuplicates, normaliseText, bandLayout, type DedupOptions } from './dedup.js';
export { assignSplits, splitOf } from './split.js';
export { writePlainJsonl, writeFineTuningJsonl, fineTuningLine, exportLabelled, type LabelledRow, type ExportResult } from './export.js';
export { AtomicJsonlWriter, withWriters, OPENAI_MIN_EXAMPLES } from './jsonl-writer.js';
export { inputTextOf, type GenerativeExample, type RankedAnswers, type Split } from './generative-example.js';
export { decontaminate, wordTokens, type DecontaminationOptions, type DecontaminationResult, type Contamination, type ExampleField } from './decontaminate.js';
export {
  applyFilters,
  defaultFilters,
  truncatedFilter,
  emptyAnswerFilter,
  refusalFilter,
  jsonSchemaFilter,
  NoAnswersLeftError,
  DEFAULT_REFUSAL_PATTERNS,
  type AnswerFilter,
  type FilterResult,
  type FilteredOut,
} from './answer-filters.js';
export { parseJsonAnswer, compileAnswerSchema, type ParsedJsonAnswer } from './json-answer.js';
export {
  exportFineTuning,
  fineTuningRecord,
  fineTuningFileName,
  openAiChatLine,
  shareGptLine,
  alpacaLine,
  huggingFaceLine,
  dpoLine,
  FINE_TUNING_FORMATS,
  type FineTuningFormat,
  type FineTuningFile,
  type FineTuningExport,
} from './fine-tuning-formats.js';
export { trlRecipe, unslothRecipe, gpuRecipeReadme, writeGpuRecipes, DEFAULT_RECIPE_MODEL, type GpuRecipeOptions, type GpuRecipeFiles } from './gpu-recipe.js';
export { curateGenerative, type GenerativeCurationOptions, type GenerativeCurationReport, type CurationRemoval } from './curate-generative.js';
