import type { Command } from 'commander';
import { demoTeacherTaskFile } from '../demo/demo-task.js';
import { runDemo, type DemoResult } from '../demo/run-demo.js';
import { registerDemoExtractCommand } from './demo-extract-command.js';
import { resumeHint } from './demo-resume.js';
import { startLanguageTeacherServer } from '../demo/language-teacher-server.js';
import { DistilleryError, EXIT, UsageError } from '../util/errors.js';
import { reportFailure } from './exit-codes.js';
import { parseIntegerOption, parsePort } from './options.js';
import { humanRenderer, jsonRenderer } from './progress.js';

const DEMO_TEACHER_MODEL = 'vscode-languagedetection';

function summary(result: DemoResult): string {
  const percent = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);
  const kib = (value: number) => `${(value / 1024).toFixed(0)} KiB`;
  const { lower, upper } = result.agreementInterval;
  return [
    '',
    'Distillery demo: VS Code\'s language detector (teacher, over HTTP) → n-gram student',
    ...result.warnings.map((warning) => `  ⚠ ${warning}`),
    `  inputs                     ${result.inputs} source snippets from this install (${result.testExamples} held out for testing)`,
    `  agreement with teacher     ${percent(result.agreement)} (95% CI ${(lower * 100).toFixed(1)}–${(upper * 100).toFixed(1)}%)`,
    `  accuracy vs file extension student ${percent(result.accuracyVsGold)}, teacher ${percent(result.teacherAccuracyVsGold)}`,
    `  teacher                    ${result.teacherMsPerCall.toFixed(2)} ms/call (p50) over HTTP, one call at a time, ${kib(result.teacherBytes)}`,
    `  student                    ${(result.studentMsPerCall * 1000).toFixed(0)} µs/call (p50) in-process (${result.speedup.toFixed(0)}× faster), ${result.studentServedMsPerCall.toFixed(2)} ms/call via \`distillery serve\` (${result.servedSpeedup.toFixed(1)}×), ${kib(result.studentBytes)} (${result.sizeRatio.toFixed(2)}× smaller)`,
    `  teacher calls              ${result.teacherCalls} this run, ${result.cachedAnswers} answers reused from the cache`,
    `  wall time                  ${result.wallSeconds.toFixed(1)} s`,
    `  report                     ${result.report}`,
  ].join('\n');
}


/** `distillery demo`: the offline end-to-end demo (no key, no network), and `demo teacher` to try a task file. */
export function registerDemoCommand(program: Command): void {
  const demo = program
    .command('demo')
    .description('distil VS Code\'s language detector into an n-gram student, offline, in a few minutes')
    .option('--dir <folder>', 'project folder for the demo', '.distillery/demo')
    .option('--limit <n>', 'most source snippets to use (a positive integer)', '6000')
    .option('--latency-samples <n>', 'teacher calls (and served student calls) timed one at a time for the speed figures (a positive integer)', '300')
    .option('--json', 'progress as JSON lines; the last line is the result object')
    .addHelpText('after', `
The teacher is a real neural network (the TF.js model behind VS Code's language detection,
npm @vscode/vscode-languagedetection) wrapped as an OpenAI-compatible server on 127.0.0.1; the
pipeline reaches it only over HTTP with the official openai client, with logprobs as soft labels.
Inputs are source files from this install (node_modules, npm, Node's headers); the file
extension is a weak gold label. Run it twice: the second run pays for no teacher call.

Ctrl-C stops after the calls in flight (exit 130) and says what is kept; run the same command
again to resume. To try your own task file against the same teacher: distillery demo teacher`)
    .action(async (options: { dir: string; limit: string; latencySamples: string; json?: boolean }, command: Command) => {
      const json = options.json === true;
      const renderer = json ? jsonRenderer() : humanRenderer();
      const controller = new AbortController();
      const onSignal = () => {
        // A second Ctrl-C means now: the answers already committed are safe in SQLite either way.
        if (controller.signal.aborted) process.exit(EXIT.interrupted);
        controller.abort();
        process.stderr.write('\ndistillery: stopping after the calls in flight (Ctrl-C again to quit at once)\n');
      };
      process.on('SIGINT', onSignal);
      try {
        const limit = parseIntegerOption('--limit', options.limit, { min: 1 });
        const latencySamples = parseIntegerOption('--latency-samples', options.latencySamples, { min: 1 });
        const result = await runDemo({ projectDir: options.dir, limit, latencySamples, emit: (event) => renderer.handle(event), signal: controller.signal });
        renderer.stop();
        process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${summary(result)}\n`);
      } catch (error) {
        renderer.stop();
        if (controller.signal.aborted) {
          const message = error instanceof DistilleryError ? error.message : 'The demo was cancelled.';
          const dirGiven = command.getOptionValueSource('dir') === 'cli';
          process.exitCode = reportFailure(new DistilleryError(`interrupted. ${message}\n${resumeHint(options.dir, dirGiven)}`, { exitCode: EXIT.interrupted }), json);
        } else {
          process.exitCode = reportFailure(error, json);
        }
      } finally {
        process.off('SIGINT', onSignal);
      }
    });

  registerDemoExtractCommand(demo);

  demo
    .command('teacher')
    .description('start the demo\'s teacher (VS Code\'s language detector) so you can try your own task file against it')
    .option('-p, --port <port>', 'port to listen on (0: any free port)', '8089')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .addHelpText('after', `
--json (the demo's flag, accepted here too) prints the baseURL, model and task file as one JSON line.
It serves POST /v1/chat/completions (with logprobs) and GET /v1/models until Ctrl-C, on this
machine only by default; it prints a task file to start from. Save it, point inputs.path at your
code snippets and run it in another terminal:

  $ distillery demo teacher > my-task.yaml      # the printed task file (notes go to stderr)
  $ distillery run my-task.yaml`)
    .action(async (_options: unknown, command: Command) => {
      // --json is the demo's own flag; commander hands it to the parent, so read it with the parent's.
      const options = command.optsWithGlobals<{ port: string; host: string; json?: boolean }>();
      try {
        const port = parsePort(options.port);
        // A busy port or an unknown host is already a one-line UsageError from the shared listen().
        const server = await startLanguageTeacherServer({ host: options.host, port, modelName: DEMO_TEACHER_MODEL });
        const taskFile = demoTeacherTaskFile(server.url, DEMO_TEACHER_MODEL);
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify({ type: 'teacher', baseURL: server.url, model: DEMO_TEACHER_MODEL, taskFile })}\n`);
        } else {
          process.stderr.write(`demo teacher (VS Code's language detector) at ${server.url}, model "${DEMO_TEACHER_MODEL}"; serving until Ctrl-C\n`);
          process.stderr.write('a task file for it follows on stdout: save it, set inputs.path, then `distillery run` it\n');
          process.stdout.write(taskFile);
        }
        const shutdown = () => {
          process.stderr.write(`demo teacher stopped after ${server.calls()} call(s)\n`);
          void server.close().then(() => process.exit(EXIT.ok));
        };
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      } catch (error) {
        process.exitCode = reportFailure(error, options.json === true);
      }
    });
}
