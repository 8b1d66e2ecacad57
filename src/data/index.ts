export { readInputs, formatOf } from './read-inputs.js';
export { InputError } from './input-error.js';
export { findDuplicates, normaliseText, bandLayout, type DedupOptions } from './dedup.js';
export { assignSplits, splitOf } from './split.js';
export { writePlainJsonl, writeFineTuningJsonl, fineTuningLine, exportLabelled, type LabelledRow, type ExportResult } from './export.js';
