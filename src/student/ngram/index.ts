export { createNgramStudent, ngramStudentFromFile, NGRAM_KIND } from './ngram-student.js';
export { Featuriser, wordBucket, type FeaturiserSettings } from './featurise.js';
