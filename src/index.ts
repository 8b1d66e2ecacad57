/**
 * Distillery's in-process API: load a student and label text in a Node app, drive the pipeline, or
 * run the guard in front of your own model. Every type an exported function takes or returns is
 * exported here too (test/public-api.test.ts checks it), so callers can name what they pass.
 *
 *   import { loadStudent } from 'distillery';
 *   const student = loadStudent('.distillery/support-tickets/student.dstl');
 *   student.predict('I was charged twice').label; // 'billing'
 *
 * A language-model student (kind "lm") loads the same way and generates instead:
 *   const writer = loadStudent<AnyStudent>('.distillery/extract/student.dstl');
 *   if (isGenerativeStudent(writer)) writer.generate('…', { maxTokens: 200 }).text;
 *   for await (const chunk of writer.stream('…')) process.stdout.write(chunk.text);
 *
 * The span tagger of an extract task (kind "span-tagger") answers with its JSON object, from the input
 * text or from the app's exact teacher messages (the recorded template is inverted):
 *   if (isSpanStudent(tagger)) JSON.parse(tagger.generate([{ role: 'system', content: '…' }, { role: 'user', content: 'Ann met Bob.' }]).text);
 */
import { loadStudentFileOfAnyKind, type AnyStudent } from './student/load-student.js';
import type { Student } from './student/types.js';

/**
 * Loads a student file (.dstl) for in-process use: a classifier (`predict`) or a language model
 * (`generate`, `stream`); a missing, corrupt or foreign file is a clear error. Narrow with
 * `isGenerativeStudent`, or name what you expect as the type argument (`loadStudent<GenerativeStudent>(…)`;
 * the argument is a claim, not a check: the default, `Student`, keeps classifier code as it was).
 */
export function loadStudent<Loaded extends AnyStudent = Student>(file: string): Loaded {
  const loaded = loadStudentFileOfAnyKind(file);
  return loaded.student as Loaded;
}
export { isGenerativeStudent, isSpanStudent, loadStudentFileOfAnyKind, studentFileFromBytes, type AnyStudent, type LoadedStudentFile, type StudentFamily } from './student/load-student.js';

// Errors: one hierarchy; branch with instanceof.
export { DistilleryError, UsageError, EXIT, type DistilleryErrorOptions, type ExitCode } from './util/errors.js';
export { FileAccessError } from './util/node-errors.js';
export { RunStoppedError, SetupError, MissingKeyError, type StopReason as RunStopReason } from './pipeline/errors.js';

// Students.
export type { Student, Prediction, TrainingExample, FitReport, FitOptions, EpochReport, TrainingSummary, CandidateReport } from './student/types.js';
export type { StudentPrompt, StudentFileExtras } from './student/file-format.js';
export { createStudent, saveStudent, studentFromBytes, StudentFileError, STUDENT_KINDS, type StudentKind } from './student/index.js';
export type { StudentFileContents, Tensor } from './student/file-container.js';

// Task files.
export { loadTaskFile, parseTaskSpec, SpecError, taskSpecSchema, type TaskSpec, type LoadedTask, type SpecProblem, type PromptField, type StudentSettings, type TeacherSettings } from './task/index.js';

// The pipeline (`distillery run`).
export { runTask, type RunTaskOptions, type RunTaskResult } from './pipeline/run-task.js';
export type { GenerativeCurationSummary } from './pipeline/curate-generative-stage.js';
export { STAGES, type Stage, type PipelineEvent, type EventSink } from './pipeline/events.js';
export type { BatchEvent } from './collect/batch-collector.js';
export type { BatchRequestCounts } from './collect/batch-client.js';
export { makeTeacher, type ResolvedTeacher } from './pipeline/make-teacher.js';
export type { ProjectPaths } from './pipeline/project.js';
export type { TrainOutcome } from './pipeline/train-stage.js';
export type { EvaluationOutcome } from './pipeline/evaluate-stage.js';
export type { CollectEvent, CollectSummary, StopReason } from './collect/index.js';
export type { EvalReport, GoldScores, CalibrationBin, LatencySummary, ClassScores, CappedList, Disagreement, JunkAnswer, ProportionInterval, AgreementByMargin, AgreementPart } from './eval/index.js';

// Serving (`distillery serve`).
export { startStudentServer, type StudentServerOptions, type ListeningServer } from './serve/index.js';
export { startLanguageModelServer, type LanguageModelServerOptions } from './serve/index.js';
export type { WatermarkKey, WatermarkScheme, SeedingScheme } from './evidence/watermark-key.js';
export type { GenerativeStudent, GenerateOptions, StudentDecoding, GenerationChunk, LanguageModelTrainingSummary, WeightStorage } from './student/lm/types.js';
export type { Generation, FinishReason as GenerationFinishReason, TokenLogprob as GeneratedToken, TokenAlternative as GeneratedTokenAlternative, DecodeOptions, LogitsProcessor, TokenSampler, TokenConstraint } from './student/lm/decoder.js';
export type { LanguageModelConfig } from './student/lm/config.js';
export type { SpanStudent, SpanGeneration, SpanGenerationChunk, SpanGenerateOptions, SpanPromptMessage } from './student/span/span-student.js';
export type { SpanTagger, SpanField, SpanTaggerWeights } from './student/span/span-tagger.js';
export type { WordStatistics, WordToken } from './student/span/features.js';
export type { SpanTrainOutcome } from './pipeline/span-train-stage.js';
export type { SpanTrainingFigures, StudentChoice } from './pipeline/generative-report-page.js';
export type { Tokenizer, TokenizerDescription, BpeTokenizerDescription, TeacherTokenizerDescription, Pretokenizer } from './student/lm/tokenizer.js';


// Storage. Not through store/index.js: its migrations' declarations name better-sqlite3's types, which
// only this repository's dev dependencies hold, and a consumer checking libraries would fail on them.
export { openSqliteStore, type SqliteStoreOptions } from './store/sqlite-store.js';
export type { WalFileSystem } from './store/wal-sync.js';
export { StoreError, type StoreErrorCause } from './store/errors.js';
export type { Store, InputRecord, Ledger, Reservation, ResponseRecord, SplitAssignment, BilledAttempt, BilledBasis, BatchJob, BatchRequestRef } from './store/types.js';

// Teachers.
export type { Teacher, TeacherCompletion, TeacherRequest, TeacherUsage, ChatMessage, FinishReason, CompletionToken, TokenAlternative } from './teacher/types.js';
export { createOpenAITeacher, type OpenAITeacherOptions, type Prices, type PriceSource } from './teacher/index.js';
export { createAnthropicTeacher, type AnthropicTeacherOptions } from './teacher/index.js';

// Task kinds: what an answer is (classify, extract, generate), one module each in a frozen registry.
export { TASK_KINDS, TASK_KIND_NAMES, taskKind, type TaskKind, type TaskKindName, type AnswerReading, type AnswerReader, type KindSettings, type JsonSchemaObject } from './task/kinds/index.js';
export { TeacherError, TeacherAuthError, TeacherConnectionError, TeacherResponseError, TeacherTimeoutError } from './teacher/index.js';
export type { ReportedUsage } from './teacher/errors.js';

// The guard (`distillery guard`): the gateway for model owners.
export * from './guard/index.js';
export {
  CohortDetector, DiversityDetector, ElicitationDetector, MmdDetector, MmdReference, NearDuplicateDetector, PradaDetector, RateDetector, TemplateDetector,
  type CohortDetectorOptions, type DiversityDetectorOptions, type ElicitationDetectorOptions, type MmdDetectorOptions, type MmdReferenceOptions,
  type NearDuplicateDetectorOptions, type PradaDetectorOptions, type RateDetectorOptions, type TemplateDetectorOptions,
} from './guard/detectors/index.js';
export type { SparseVector } from './guard/detectors/sparse-vector.js';
export type { TokenUsage } from './guard/usage-tap.js';
export type { Combine as CombineScores } from './guard/volume-ceiling.js';

// Capture (`distillery capture`, `withCapture`): recording production calls for distillation.
export {
  CaptureStore, openCaptureStore, startCaptureProxy, withCapture, BUILT_IN_REDACTORS, composeRedactors, redactorFromNames, TAGS_HEADER, CAPTURE_FILE_NAME,
  type CaptureStoreOptions, type CaptureQuery, type CapturedCall, type StoredCall, type CaptureProxyOptions, type ChatClient, type WithCaptureOptions, type Redactor,
} from './capture/index.js';
// Extract and generate runs (issue 10): what RunTaskResult names for the language-model student.
export type { GenerativeEvaluationOutcome, GenerativeEvaluationReport } from './pipeline/lm-evaluate-stage.js';
export type { LanguageModelTrainOutcome } from './pipeline/lm-train-stage.js';
export type { BootstrapInterval, FieldCounts, FieldScores, FigureScale, HeadlineFigure, ScoredExample, JudgeSummary, JudgedPair, PairOutcome, Verdict } from './eval/index.js';
export type { AnswerLengths } from './eval/judge.js';
export type { TokenLogprob } from './student/lm/index.js';
export type { TokenAlternative as GenerationTokenAlternative } from './student/lm/decoder.js';
export type { EvaluationReport as LanguageModelEvaluationReport } from './student/lm/training.js';
