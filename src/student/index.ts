export type { Student, TrainingExample, Prediction, FitReport, EpochReport, FitOptions, CandidateReport } from './types.js';
export { createStudent, studentKind, STUDENT_KINDS, type StudentKind } from './registry.js';
export { saveStudent, loadStudentFile, studentFromBytes, readStudentPrompt, recordStudentPrompt, type StudentPrompt } from './file-format.js';
export { FORMAT_VERSION, StudentFileError, decodeStudentFile } from './file-container.js';
export { createNgramStudent, Featuriser } from './ngram/index.js';
export { trainLanguageModelStudent, languageModelFromBytes, loadLanguageModelStudent, type GenerativeStudent } from './lm/index.js';
export { createMlpStudent, parseFeatureVector, type MlpStudent } from './mlp/index.js';
export { createBagMlpStudent } from './bag-mlp/index.js';
