#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerCaptureCommand } from './capture-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerGuardCommand } from './guard-command.js';
import { registerPredictCommand } from './predict-command.js';
import { registerRouteCommand } from './route-command.js';
import { registerRunCommand } from './run-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerTraceCommand } from './trace-command.js';
import { registerWatermarkCommand } from './watermark-command.js';
import { EXIT } from '../util/errors.js';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('distillery')
  .version(packageJson.version)
  .description('Distil a callable LLM teacher (any OpenAI-compatible API) into a small, fast student you own.')
  .addHelpText('after', `
Quick start (offline, no key): distillery demo
Your own task:                 distillery run task.yaml   (see examples/ and the README)
Serve the student:             distillery serve task.yaml --port 8080`);

// Commander's own usage errors (an unknown option, a missing argument) exit 2 like every other bad
// input; set before the commands are added, because each command copies it when it is created.
program.exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.invalidInput));

// A reader that stops early (`distillery predict … | head -1`) is no failure: stop quietly, as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
  throw error;
});

registerRunCommand(program);
registerServeCommand(program);
registerPredictCommand(program);
registerDemoCommand(program);
registerGuardCommand(program);
registerCaptureCommand(program);
registerWatermarkCommand(program);
registerRouteCommand(program);
registerTraceCommand(program);

await program.parseAsync(process.argv);
