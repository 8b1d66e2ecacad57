import type { Command } from 'commander';
import type { ExtractDemoResult } from '../demo/run-extract-demo.js';
import { DistilleryError, EXIT, UsageError } from '../util/errors.js';
import { resumeHint } from './demo-resume.js';
import { reportFailure } from './exit-codes.js';
import { parseIntegerOption } from './options.js';
import { humanRenderer, jsonRenderer } from './progress.js';

const DEFAULTS = { dir: '.distillery/demo-extract', limit: '6250', latencySamples: '200' };

const STUDENT_KINDS = ['span', 'auto', 'lm'] as const;

/** "83.4% (95% CI 80.1–86.2%)". */
function percent(value: number, interval?: { lower: number; upper: number }): string {
  const main = `${(value * 100).toFixed(1)}%`;
  return interval === undefined ? main : `${main} (95% CI ${(interval.lower * 100).toFixed(1)}–${(interval.upper * 100).toFixed(1)}%)`;
}

/** "$1.23" with more digits for small sums. */
function dollars(value: number): string {
  return value >= 1 ? `$${value.toFixed(2)}` : `$${value.toPrecision(2)}`;
}

/** The human summary of the demo's figures. */
function summary(result: ExtractDemoResult): string {
  return [
    '',
    `Distillery demo extract: compromise's people/places/organisations (teacher, over HTTP) → ${result.studentKind === 'span' ? 'span-tagger' : 'language-model'} student`,
    ...(result.studentChoice === undefined ? [] : [`  student choice         ${result.studentChoice}`]),
    `  inputs                 ${result.inputs} English sentences from nlp-corpus (${result.trainExamples} trained on, ${result.testExamples} held out for testing)`,
    `  valid JSON (schema)    ${percent(result.validRate, result.validRateInterval)}`,
    `  field F1 vs teacher    ${percent(result.fieldF1, result.fieldF1Interval)} (precision ${percent(result.fieldPrecision)}, recall ${percent(result.fieldRecall)})`,
    `  exact match            ${percent(result.exactMatch, result.exactMatchInterval)}`,
    `  student                ${(result.studentBytes / 1024).toFixed(0)} KiB (${result.studentParameters.toLocaleString('en-US')} parameters), ${result.studentMsPerCall.toFixed(1)} ms/call (p50, in-process, whole answer)`,
    `  teacher                ${(result.teacherBytes / 1024).toFixed(0)} KiB of compromise, ${result.teacherMsPerCall.toFixed(1)} ms/call (p50 over HTTP, one call at a time)`,
    `  cost per 1M calls      student ${dollars(result.studentPer1MCallsUSD)} (CPU time), the same calls at gpt-4o-mini's price ${dollars(result.gpt4oMiniPer1MCallsUSD)}`,
    `  teacher calls          ${result.teacherCalls} this run, ${result.cachedAnswers} answers reused from the cache`,
    `  training               ${result.stepsRun} ${result.studentKind === 'span' ? 'epochs' : 'steps'} in ${result.trainSeconds.toFixed(0)} s`,
    `  wall time              ${result.wallSeconds.toFixed(1)} s`,
    `  report                 ${result.report}`,
  ].join('\n');
}

/** The option's value: given on the command line (commander hands `demo`'s options to the parent), else the extract demo's default. */
function optionOf(command: Command, name: keyof typeof DEFAULTS): string {
  const parent = command.parent;
  const given = parent?.getOptionValueSource(name) === 'cli';
  return given ? String(parent?.opts()[name]) : DEFAULTS[name];
}

/** --student's kind (default span); --steps only with a language model to train. */
function studentKindOption(value: string | undefined, steps: number | undefined): (typeof STUDENT_KINDS)[number] {
  const kind = value ?? 'span';
  if (!(STUDENT_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--student must be one of ${STUDENT_KINDS.join(', ')}, got "${kind}"`);
  if (steps !== undefined && kind === 'span') throw new UsageError('--steps sets the language-model student\'s training steps; the span tagger trains none (add --student lm or --student auto)');
  return kind as (typeof STUDENT_KINDS)[number];
}

/** `distillery demo extract`: the generative offline demo. */
export function registerDemoExtractCommand(demo: Command): void {
  demo
    .command('extract')
    .description('distil compromise\'s entity extractor into a student that writes JSON (the span tagger by default), offline, in under 10 minutes')
    .option('--student <kind>', 'span (default: the span tagger), lm (the language-model student) or auto (both trained, the better on validation field F1 kept)')
    .option('--steps <n>', 'training steps of the language-model student (--student lm or auto; default: the demo\'s setting)')
    .addHelpText('after', `
Options (those of \`distillery demo\`): --dir (default ${DEFAULTS.dir}), --limit <n> sentences
(default ${DEFAULTS.limit}), --latency-samples <n> teacher calls timed one at a time (default
${DEFAULTS.latencySamples}), --json (progress as JSON lines; the last line is the result object).

The teacher is compromise (npm, MIT), a rule-and-lexicon English tagger, asked for the people,
places and organisations of a sentence as one JSON object and wrapped as an OpenAI-compatible
server on 127.0.0.1; the pipeline reaches it only over HTTP. Inputs are real English sentences
from nlp-corpus. The student is the span tagger of \`run\` (student.kind span: BIO tags over the
sentence's words, averaged perceptron, epochs chosen on validation field F1; settings:
EXTRACT_DEMO_STUDENT in src/demo/extract-task.ts), whose answer is the schema's object by
construction. --student lm trains the language-model student instead (it decodes under the JSON
Schema; far slower, and on this demo it has not learnt to name anything); --student auto trains both.
Run it twice: the second run pays for no teacher call.

Example:
  $ distillery demo extract --limit 500 --json | tail -1`)
    .action(async (options: { steps?: string; student?: string }, command: Command) => {
      const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
      const renderer = json ? jsonRenderer() : humanRenderer();
      const controller = new AbortController();
      const onSignal = () => {
        if (controller.signal.aborted) process.exit(EXIT.interrupted);
        controller.abort();
        process.stderr.write('\ndistillery: stopping after the calls in flight (Ctrl-C again to quit at once)\n');
      };
      process.on('SIGINT', onSignal);
      const dir = optionOf(command, 'dir');
      try {
        const limit = parseIntegerOption('--limit', optionOf(command, 'limit'), { min: 1 });
        const latencySamples = parseIntegerOption('--latency-samples', optionOf(command, 'latencySamples'), { min: 1 });
        const steps = options.steps === undefined ? undefined : parseIntegerOption('--steps', options.steps, { min: 1 });
        const studentKind = studentKindOption(options.student, steps);
        // Loaded when used: compromise and the corpus are large imports every other command would pay for.
        const { runExtractDemo } = await import('../demo/run-extract-demo.js');
        const result = await runExtractDemo({ projectDir: dir, limit, latencySamples, studentKind, ...(steps === undefined ? {} : { languageModel: { steps } }), emit: (event) => renderer.handle(event), signal: controller.signal });
        renderer.stop();
        process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${summary(result)}\n`);
      } catch (error) {
        renderer.stop();
        if (controller.signal.aborted) {
          const message = error instanceof DistilleryError ? error.message : 'The demo was cancelled.';
          const dirGiven = command.parent?.getOptionValueSource('dir') === 'cli';
          process.exitCode = reportFailure(new DistilleryError(`interrupted. ${message}\n${resumeHint(dir, dirGiven, ' extract')}`, { exitCode: EXIT.interrupted }), json);
        } else {
          process.exitCode = reportFailure(error, json);
        }
      } finally {
        process.off('SIGINT', onSignal);
      }
    });
}
