export { startLanguageTeacherServer, languageAnswer, UNKNOWN_LANGUAGE, type LanguageTeacherServer, type LanguageTeacherServerOptions } from './language-teacher-server.js';
export { createLanguageDetector, type LanguageDetector, type LanguageGuess, type LanguageModel } from './language-detector.js';
export { LANGUAGE_LABELS, isLanguageLabel, type LanguageLabel } from './language-labels.js';
export { buildCodeCorpus, writeCorpusJsonl, defaultCorpusRoots, snippetOf, type CorpusItem, type CodeCorpusOptions } from './corpus.js';
export { labelForPath, EXTENSION_LABELS } from './extension-labels.js';
