/** The continual-learning lines of the route's /metrics (Prometheus text format 0.0.4). */
import type { RouteLearning } from './route-learning.js';

/** Prometheus lines for the learner, the shadow calls and the drift alarm. */
export function renderLearningMetrics(learning: RouteLearning, slot: { generation: number }): string {
  const counts = learning.learner.counts();
  const history = learning.learner.history;
  const promoted = history.filter((report) => report.promoted).length;
  const drift = learning.drift?.state();
  const number = (value: number | null | undefined) => (value === null || value === undefined || Number.isNaN(value) ? 'NaN' : String(value));
  const lines = [
    '# HELP distillery_route_examples_total Teacher answers kept for retraining, by use (train, or held out as the shadow sample).',
    '# TYPE distillery_route_examples_total counter',
    `distillery_route_examples_total{use="train"} ${counts.train}`,
    `distillery_route_examples_total{use="shadow"} ${counts.shadow}`,
    '# HELP distillery_route_retrains_total Background retrains, by outcome.',
    '# TYPE distillery_route_retrains_total counter',
    `distillery_route_retrains_total{outcome="promoted"} ${promoted}`,
    `distillery_route_retrains_total{outcome="kept"} ${history.length - promoted}`,
    '# HELP distillery_route_student_generation Promotions since the route started (0: the student it started with).',
    '# TYPE distillery_route_student_generation gauge',
    `distillery_route_student_generation ${slot.generation}`,
    '# HELP distillery_route_shadow_calls_total Student-answered calls also sent to the teacher, by result.',
    '# TYPE distillery_route_shadow_calls_total counter',
    `distillery_route_shadow_calls_total{result="answered"} ${learning.shadow.sent - learning.shadow.failed}`,
    `distillery_route_shadow_calls_total{result="failed"} ${learning.shadow.failed}`,
  ];
  if (drift !== undefined) {
    lines.push(
      '# HELP distillery_route_observed Observed rate over the drift window, by signal.',
      '# TYPE distillery_route_observed gauge',
      `distillery_route_observed{signal="escalation-rate"} ${number(drift['escalation-rate'].observed)}`,
      `distillery_route_observed{signal="shadow-agreement"} ${number(drift['shadow-agreement'].observed)}`,
      '# HELP distillery_route_drift 1 while the signal is outside its calibrated interval.',
      '# TYPE distillery_route_drift gauge',
      `distillery_route_drift{signal="escalation-rate"} ${drift['escalation-rate'].alarm ? 1 : 0}`,
      `distillery_route_drift{signal="shadow-agreement"} ${drift['shadow-agreement'].alarm ? 1 : 0}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
