export {
  agreement, agreementByTeacherMargin, topTwoMargin, NEAR_TIE_MARGIN, confusionMatrix, classScores, macroF1, scoreAgainstGold, calibration, percentile, summariseLatency, costPer1kCalls, cpuCostPer1kCalls, wilsonInterval,
  type ClassScores, type GoldScores, type CalibrationBin, type LatencySummary, type ProportionInterval, type AgreementByMargin, type AgreementPart,
} from './metrics.js';
export { renderTerminal, renderMarkdown, renderHtml, headline, type EvalReport, type Disagreement, type JunkAnswer, type CappedList } from './report.js';
export { SMALL_TEST_SPLIT, MIN_LABEL_SUPPORT, LIST_CAP } from './findings.js';
export { confusionHeatmap, reliabilityDiagram, horizontalBars, logBars, escapeXml } from './charts.js';
