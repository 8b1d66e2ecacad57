export { agreement, confusionMatrix, classScores, macroF1, calibration, percentile, summariseLatency, type ClassScores, type CalibrationBin, type LatencySummary } from './metrics.js';
export { renderTerminal, renderMarkdown, renderHtml, headline, type EvalReport, type GoldScores } from './report.js';
export { confusionHeatmap, reliabilityDiagram, horizontalBars } from './charts.js';
