import type { Command } from 'commander';
import { renderGenerativeTerminal } from '../pipeline/generative-report-page.js';
import { loadTaskFile } from '../task/load.js';
import { formatProblem } from '../task/yaml-settings.js';
import { runTask } from '../pipeline/run-task.js';
import { STAGES, type Stage } from '../pipeline/events.js';
import { EXIT, reportFailure } from './exit-codes.js';
import { humanRenderer, jsonRenderer } from './progress.js';
import { renderTerminal } from '../eval/report.js';
import { estimateCost, type CostEstimate } from '../pipeline/estimate.js';
import { makeTeacher } from '../pipeline/make-teacher.js';
import { formatUSD } from '../util/money.js';
import { UsageError } from '../util/errors.js';

function formatEstimate(estimate: CostEstimate): string {
  const usd = (value: number) => formatUSD(value);
  return [
    `${estimate.inputs} inputs: ${estimate.cached} already answered, ${estimate.toCall} to call`,
    `  input tokens      ${estimate.inputTokens.toLocaleString('en-US')} (at $${estimate.prices.inputPer1M}/1M, ${estimate.prices.source} prices)`,
    `  typical cost      ${usd(estimate.typicalUSD)} (one answer token per call)`,
    `  worst case        ${usd(estimate.worstCaseUSD)} (every answer at max_tokens; what the budget reserves)`,
    `  spent so far      ${usd(estimate.spentUSD)} of the ${usd(estimate.budgetUSD)} budget`,
    estimate.spentUSD + estimate.worstCaseUSD > estimate.budgetUSD
      ? `  the budget may run out before the end: the run stops cleanly there; raise budget.maxUSD to avoid it`
      : '  fits in the budget',
  ].join('\n');
}

/** `distillery run task.yaml`: collect → curate → train → evaluate, resumable. */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .argument('<task>', 'task file (YAML)')
    .description('collect teacher answers, curate, train the student and evaluate it; run again to resume')
    .option('--until <stage>', `stop after this stage (${STAGES.join(', ')})`)
    .option('--retrain', 'train again even if the saved student matches the data and settings')
    .option('--retry-failed', 'send again the inputs whose billed answer could not be used in an earlier run (they are paid for again)')
    .option('--estimate', 'count the tokens of the inputs not yet answered, print what they would cost, and call nothing')
    .option('--json', 'print progress and the result as JSON lines on stdout')
    .addHelpText('after', `
Every stage resumes: answers already paid for are never requested again, even after kill -9.
The budget (budget.maxUSD) is never exceeded: each call's worst-case cost is reserved before it is sent,
scaled by how many tokens the teacher has reported against the o200k estimate (until its first answer,
twice the estimate); an answer that costs more than its reservation stops the run (exit 3) and says so.
A 200 whose body cannot be used (garbage, truncated, an odd shape) is billed: it is recorded as spent
and not sent again unless you pass --retry-failed.
The task's kind (kind: classify | extract | generate) says how answers are read. Extract and generate
tasks: curate filters truncated, empty, refusing and schema-breaking answers, decontaminates, and writes
fine-tuning exports and a GPU recipe to the project's exports/ (exit 2, naming the filter, when no answer
is left); train fits the language-model student (student.lm: size tiny|small|base, steps, tokenizer…;
token-level KD when the teacher returned top logprobs) or, for extract tasks, the span tagger
(student.kind span; student.span: epochs, bits) — auto, the extract default, trains both when the teacher's
values are spans of the input and keeps the better on validation field F1; evaluate answers the test split
(extract: the language model constrained by schema:, the span tagger valid by construction) and reports valid rate, field F1 and exact match (generate: chrF, ROUGE-L) with
95% bootstrap intervals, the worst examples, the training curve, and cost and latency against the teacher.
evaluate.judge: { pairs: 50 } adds an LLM judge inside the budget.
With student.kind: auto the train stage fits four students (ngram, bag-mlp 32/64/128 wide) and keeps
the best by validation agreement: four trainings' time (on the demo's 4,000 answers, 11 minutes on a
busy 2-core machine, against 1–2 minutes for its one bag-mlp).

Exit codes: 0 done; 2 invalid task file or inputs; 3 stopped at the budget or at an answer that cost more than reserved (the student was trained
on what was bought; raise budget.maxUSD and run again to continue); 4 teacher unreachable or key
refused; 5 storage error (e.g. disk full, or a project folder that cannot be written; nothing
committed is lost); 6 the teacher's API key variable (teacher.apiKeyEnv) is not set; 130 interrupted.

Example:
  $ OPENAI_API_KEY=sk-... distillery run examples/openai-support-tickets.yaml`)
    .action(async (taskFile: string, options: { until?: string; retrain?: boolean; retryFailed?: boolean; json?: boolean; estimate?: boolean }) => {
      const json = options.json === true;
      const renderer = json ? jsonRenderer() : humanRenderer();
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once('SIGINT', onSignal);
      try {
        if (options.until !== undefined && !STAGES.includes(options.until as Stage)) {
          throw new UsageError(`--until must be one of ${STAGES.join(', ')}, got "${options.until}"`);
        }
        const task = await loadTaskFile(taskFile);
        for (const warning of task.warnings ?? []) renderer.handle({ type: 'task-warning', file: task.file, ...warning, text: formatProblem(task.file, warning) });
        if (options.estimate === true) {
          // An estimate calls nothing, so it needs no key.
          const keyName = task.spec.teacher.apiKeyEnv;
          const env = keyName === undefined || process.env[keyName] ? process.env : { ...process.env, [keyName]: 'not-needed-for-an-estimate' };
          const estimate = await estimateCost(task, makeTeacher(task.spec, env));
          process.stdout.write(json ? `${JSON.stringify({ type: 'estimate', ...estimate })}\n` : `${formatEstimate(estimate)}\n`);
          return;
        }
        const result = await runTask({
          task,
          ...(options.until === undefined ? {} : { until: options.until as Stage }),
          retrain: options.retrain === true,
          retryFailed: options.retryFailed === true,
          emit: (event) => renderer.handle(event),
          signal: controller.signal,
        });
        renderer.stop();
        if (result.evaluation) {
          if (json) process.stdout.write(`${JSON.stringify({ type: 'result', report: result.evaluation.report, files: result.evaluation.files })}\n`);
          else process.stdout.write(`${renderTerminal(result.evaluation.report)}\nReport: ${result.evaluation.files.html}\n`);
        }
        const generative = result.generativeEvaluation;
        if (generative) {
          if (json) process.stdout.write(`${JSON.stringify({ type: 'result', report: generative.report, files: generative.files })}\n`);
          else process.stdout.write(`${renderGenerativeTerminal(generative.report)}\nReport: ${generative.files.html}\n`);
        }
        if (result.budgetStopped) {
          process.stderr.write(`distillery: ${result.collection?.message ?? 'stopped at the budget'}\nThe student was trained on the answers bought so far.\n`);
          process.exitCode = EXIT.budget;
        }
      } catch (error) {
        renderer.stop();
        process.exitCode = reportFailure(error, json);
      } finally {
        process.off('SIGINT', onSignal);
      }
    });
}
