/**
 * The route's live counters, served at GET /metrics in Prometheus text format (exposition format
 * 0.0.4): requests by route, the share answered locally, the teacher cost avoided and teacher errors.
 */

/** Which side answered a call: the student above the threshold, the teacher, or the student because the teacher was down. */
export type RouteName = 'student' | 'teacher' | 'student-fallback';

/** The routes, in the order /metrics lists them. */
const ROUTES: readonly RouteName[] = ['student', 'teacher', 'student-fallback'];

/** Counters of one route server. */
export class RouteMetrics {
  private readonly requests = new Map<RouteName, number>(ROUTES.map((route) => [route, 0]));
  private teacherErrors = 0;
  private savedUSD = 0;

  /** `threshold` reads the threshold in force (a promoted retrain changes it). */
  constructor(private readonly threshold: () => number | null) {}

  /** Counts one answered call; `avoidedUSD` is what the teacher would have cost when the student answered. */
  record(route: RouteName, avoidedUSD = 0): void {
    this.requests.set(route, (this.requests.get(route) ?? 0) + 1);
    if (route !== 'teacher') this.savedUSD += avoidedUSD;
  }

  /** Counts a teacher call that failed (unreachable, timed out, or a 5xx answer). */
  recordTeacherError(): void {
    this.teacherErrors++;
  }

  /** The counters as plain numbers (for tests and reports). */
  snapshot(): { requests: Record<RouteName, number>; localShare: number; savedUSD: number; teacherErrors: number } {
    const requests = Object.fromEntries(ROUTES.map((route) => [route, this.requests.get(route) ?? 0])) as Record<RouteName, number>;
    const total = requests.student + requests.teacher + requests['student-fallback'];
    return { requests, localShare: total === 0 ? 0 : (requests.student + requests['student-fallback']) / total, savedUSD: this.savedUSD, teacherErrors: this.teacherErrors };
  }

  /** The Prometheus text exposition of the counters. */
  render(): string {
    const { requests, localShare, savedUSD, teacherErrors } = this.snapshot();
    const lines = [
      '# HELP distillery_route_requests_total Chat completions answered, by route.',
      '# TYPE distillery_route_requests_total counter',
      ...ROUTES.map((route) => `distillery_route_requests_total{route="${route}"} ${requests[route]}`),
      '# HELP distillery_route_local_share Share of answered calls the student answered (student and student-fallback).',
      '# TYPE distillery_route_local_share gauge',
      `distillery_route_local_share ${localShare}`,
      '# HELP distillery_route_saved_usd_total Teacher cost avoided by calls the student answered, USD at the task\'s prices (o200k token estimate).',
      '# TYPE distillery_route_saved_usd_total counter',
      `distillery_route_saved_usd_total ${savedUSD}`,
      '# HELP distillery_route_teacher_errors_total Teacher calls that failed (unreachable, timed out, or a 5xx answer).',
      '# TYPE distillery_route_teacher_errors_total counter',
      `distillery_route_teacher_errors_total ${teacherErrors}`,
      '# HELP distillery_route_threshold The calibrated confidence threshold; NaN when every call goes to the teacher.',
      '# TYPE distillery_route_threshold gauge',
      `distillery_route_threshold ${this.threshold() ?? 'NaN'}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
