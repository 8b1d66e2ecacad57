export {
  agreement, confusionMatrix, classScores, macroF1, scoreAgainstGold, calibration, percentile, summariseLatency, costPer1kCalls, cpuCostPer1kCalls, wilsonInterval,
  type ClassScores, type GoldScores, type CalibrationBin, type LatencySummary, type ProportionInterval,
} from './metrics.js';
export { renderTerminal, renderMarkdown, renderHtml, headline, type EvalReport, type Disagreement, type JunkAnswer, type CappedList } from './report.js';
export { SMALL_TEST_SPLIT, MIN_LABEL_SUPPORT, LIST_CAP } from './findings.js';
export { confusionHeatmap, reliabilityDiagram, horizontalBars, logBars, escapeXml } from './charts.js';
export { exactMatch, sentenceChrf, corpusChrf, chrfStatistics, chrfFromStatistics, sumChrfStatistics, rougeL, rougeTokens, type ChrfOptions, type PrecisionRecallF } from './text-metrics.js';
export { extractMetrics, compileSchema, parseJsonAnswer, flattenFields, scoreExtractExample, aggregateExtractScores, fieldScores, sumFieldCounts, type ExtractMetrics, type ExtractExampleScore, type ExtractPair, type FieldCounts, type FieldScores } from './extract-metrics.js';
export { bootstrapInterval, bootstrapMean, bootstrapCorpus, DEFAULT_RESAMPLES, type BootstrapInterval, type BootstrapOptions } from './bootstrap.js';
export { judgePairs, judgeMessages, parseVerdict, combineVerdicts, summariseJudgements, type JudgeCall, type JudgeCallContext, type JudgeReply, type JudgePair, type JudgeSummary, type JudgedPair, type Verdict, type PairOutcome } from './judge.js';
export { createStoreJudgeCall, JudgeBudgetError, type JudgeBudget, type JudgeStore, type StoreJudgeCallOptions } from './judge-call.js';
export { renderGenerativeReport, renderGenerativeMarkdown, renderGenerativeHtml, worstExamples, formatFigure, CELL_TEXT_LIMIT, FIELD_LIMIT, type GenerativeReportInput, type GenerativeReportFragments, type HeadlineFigure, type ScoredExample, type FigureScale } from './generative-report.js';
export { evaluateExtract, evaluateGenerate, judgeHeadline, type AnswerPair, type ExtractEvaluation, type GenerateEvaluation } from './generative-evaluation.js';
