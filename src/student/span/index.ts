/** The span tagger student: BIO tags per schema field over the input's words (see span-tagger.ts). */
export { tokenizeWords, answerToBio, bioToSpans, wordShape, wordFeatures, featureIds, tagNames, type WordToken } from './features.js';
export { SpanTagger, SpanSchemaError, spanFieldsOf, viterbiWithMargin, type SpanField } from './span-tagger.js';
export { trainSpanTagger, spanPlacement, type SpanExample, type SpanTrainingOptions, type SpanTrainingReport } from './train.js';
export { spanTaggerToBytes, spanTaggerFromBytes, SPAN_TAGGER_KIND, SPAN_TAGGER_VERSION } from './serialise.js';
export { spanStudent, spanStudentFromBytes, spanAnswerSchema, schemaMismatch, type SpanStudent, type SpanGeneration, type SpanGenerationChunk, type SpanGenerateOptions, type SpanPromptMessage } from './span-student.js';
