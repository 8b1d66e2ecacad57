export {
  agreement, confusionMatrix, classScores, macroF1, scoreAgainstGold, calibration, percentile, summariseLatency, costPer1kCalls, cpuCostPer1kCalls,
  type ClassScores, type GoldScores, type CalibrationBin, type LatencySummary,
} from './metrics.js';
export { renderTerminal, renderMarkdown, renderHtml, headline, type EvalReport } from './report.js';
export { confusionHeatmap, reliabilityDiagram, horizontalBars, logBars, escapeXml } from './charts.js';
