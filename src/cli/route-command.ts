import type { Command } from 'commander';
import { prepareRoute } from '../route/prepare.js';
import { prepareLearning } from '../route/prepare-learning.js';
import { startRouteServer } from '../route/route-server.js';
import { UsageError } from '../util/errors.js';
import { reportFailure } from './exit-codes.js';
import { parsePort, parsePositiveInteger } from './options.js';

/** A share from the command line, in (0, 1]. */
function parseShare(value: string, flag: string): number {
  const share = /^\d*\.?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(share > 0 && share <= 1)) throw new UsageError(`${flag} must be a number in (0, 1], e.g. 0.98; got "${value}"`);
  return share;
}

/** `distillery route <task.yaml | project>`: the student where it is confident, the teacher otherwise, behind one OpenAI-compatible endpoint. */
export function registerRouteCommand(program: Command): void {
  program
    .command('route')
    .argument('<task>', 'task file, or a project folder holding task.yaml')
    .description('one OpenAI-compatible endpoint: the student answers when confident, the teacher (the task\'s) otherwise')
    .option('-p, --port <port>', 'port to listen on', '8091')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--target-agreement <share>', 'overall agreement with the teacher the threshold is calibrated to, on the validation split', '0.98')
    .option('--retrain-every <calls>', 'keep learning: retrain in the background after this many new escalated calls, promote if not worse')
    .option('--shadow-rate <share>', 'with --retrain-every: share of student-answered calls also sent to the teacher (billed), to watch live agreement', '0.02')
    .option('--drift-window <calls>', 'with --retrain-every: calls over which the drift alarm compares the escalation rate with its calibration', '200')
    .addHelpText('after', `
The app keeps its model name (the task's teacher.model) and changes only its baseURL. The student
answers a call when its confidence reaches the threshold. A classifier's confidence is its top
probability or its margin over the second label, whichever answers more validation calls at the
target; a language-model student's (extract and generate tasks) is exp(mean token logprob) of
its greedy answer, 0 when the answer is cut short or, for extract, breaks the task's schema
(agreement: the same JSON value, or the same text). The threshold is the lowest one whose overall agreement
with the teacher on the validation split (teacher-answered calls counted as agreeing) reaches
--target-agreement. Other calls are forwarded, as sent, to teacher.baseURL with the key named by
teacher.apiKeyEnv. The curve is written to route-calibration.{md,json} in the project folder.

Response header x-distillery-route: student | teacher | student-fallback.
Teacher down (unreachable, timed out, HTTP 5xx): confident calls are unaffected; the rest get the
student's best guess with x-distillery-route: student-fallback and an x-distillery-warning header.
Student missing or unreadable: every call goes to the teacher (the startup line says why).
GET /metrics: requests by route, share answered locally, USD saved, teacher errors (Prometheus text).

Keep learning (--retrain-every N): each escalated call's teacher answer becomes an example (kept in
route-escalations.jsonl in the project folder; a fifth, by the text's hash, held out as the shadow
sample). After N new ones, a student is fitted on a worker thread on the training split plus the
escalations, compared with the current one on the validation split plus the shadow sample, and
promoted only if it is not worse: its threshold is calibrated again and its file replaces the project's
student. A language-model student (extract, generate) is trained further from its current weights
(at most 200 steps of its student.lm settings) and judged by field F1 (extract) or chrF (generate).
--shadow-rate of the student-answered calls are also asked of the teacher (billed) to
measure live agreement. A drift alarm (a stderr line; distillery_route_drift in /metrics) fires when
the escalation rate over --drift-window calls, or the shadow agreement, leaves its calibrated interval
(3 standard errors).

Example:
  $ distillery route examples/sentiment.yaml --target-agreement 0.98
  $ curl -s localhost:8091/metrics
  $ distillery route examples/sentiment.yaml --retrain-every 500`)
    .action(async (target: string, options: { port: string; host: string; targetAgreement: string; retrainEvery?: string; shadowRate: string; driftWindow: string }) => {
      try {
        const targetAgreement = parseShare(options.targetAgreement, '--target-agreement');
        const prepared = await prepareRoute(target, targetAgreement);
        const learning = options.retrainEvery === undefined ? undefined : await prepareLearning(prepared, {
          retrainEvery: parsePositiveInteger(options.retrainEvery, '--retrain-every'), targetAgreement,
          shadowRate: options.shadowRate.trim() === '0' ? 0 : parseShare(options.shadowRate, '--shadow-rate'), driftWindow: parsePositiveInteger(options.driftWindow, '--drift-window'),
        });
        const server = await startRouteServer({ ...prepared.options, ...(learning === undefined ? {} : { learning }), host: options.host, port: parsePort(options.port) });
        process.stderr.write(`routing "${prepared.options.modelName}" at ${server.url} (teacher ${prepared.task.spec.teacher.baseURL}; metrics at ${server.url.replace(/\/v1$/, '/metrics')})\n${prepared.notes.join('\n')}\n`);
        const shutdown = () => void server.close().then(() => process.exit(0));
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      } catch (error) {
        process.exitCode = reportFailure(error, false);
      }
    });
}
