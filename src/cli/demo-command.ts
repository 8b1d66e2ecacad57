import type { Command } from 'commander';
import { runDemo, type DemoResult } from '../demo/run-demo.js';
import { reportFailure } from './exit-codes.js';
import { humanRenderer, jsonRenderer } from './progress.js';

function summary(result: DemoResult): string {
  const percent = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);
  const kib = (value: number) => `${(value / 1024).toFixed(0)} KiB`;
  return [
    '',
    'Distillery demo: VS Code\'s language detector (teacher, over HTTP) → n-gram student',
    `  inputs                     ${result.inputs} source snippets from this install (${result.testExamples} held out for testing)`,
    `  agreement with teacher     ${percent(result.agreement)}`,
    `  accuracy vs file extension student ${percent(result.accuracyVsGold)}, teacher ${percent(result.teacherAccuracyVsGold)}`,
    `  teacher                    ${result.teacherMsPerCall.toFixed(2)} ms/call over HTTP, ${kib(result.teacherBytes)}`,
    `  student                    ${(result.studentMsPerCall * 1000).toFixed(0)} µs/call in-process (${result.speedup.toFixed(0)}× faster), ${result.studentServedMsPerCall.toFixed(2)} ms/call via \`distillery serve\` (${result.servedSpeedup.toFixed(1)}×), ${kib(result.studentBytes)} (${result.sizeRatio.toFixed(2)}× smaller)`,
    `  teacher calls              ${result.teacherCalls} this run, ${result.cachedAnswers} answers reused from the cache`,
    `  wall time                  ${result.wallSeconds.toFixed(1)} s`,
    `  report                     ${result.report}`,
  ].join('\n');
}

/** `distillery demo`: the offline end-to-end demo (no key, no network). */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('distil VS Code\'s language detector into an n-gram student, offline, in a few minutes')
    .option('--dir <folder>', 'project folder for the demo', '.distillery/demo')
    .option('--limit <n>', 'most source snippets to use', '6000')
    .option('--latency-samples <n>', 'calls timed one at a time for the speed figures', '300')
    .option('--json', 'progress as JSON lines; the last line is the result object')
    .addHelpText('after', `
The teacher is a real neural network (the TF.js model behind VS Code's language detection,
npm @vscode/vscode-languagedetection) wrapped as an OpenAI-compatible server on 127.0.0.1; the
pipeline reaches it only over HTTP with the official openai client, with logprobs as soft labels.
Inputs are source files from this install (node_modules, npm, Node's headers); the file
extension is a weak gold label. Run it twice: the second run pays for no teacher call.`)
    .action(async (options: { dir: string; limit: string; latencySamples: string; json?: boolean }) => {
      const json = options.json === true;
      const renderer = json ? jsonRenderer() : humanRenderer();
      try {
        const result = await runDemo({
          projectDir: options.dir,
          limit: Number(options.limit),
          latencySamples: Number(options.latencySamples),
          emit: (event) => renderer.handle(event),
        });
        renderer.stop();
        process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${summary(result)}\n`);
      } catch (error) {
        renderer.stop();
        process.exitCode = reportFailure(error, json);
      }
    });
}
