import path from 'node:path';
import type { Command } from 'commander';
import { loadStudentFile } from '../student/file-format.js';
import { startStudentServer } from '../serve/student-server.js';
import { reportFailure } from './exit-codes.js';
import { resolveStudentPath } from './resolve-student.js';
import { describeServedPrompt, servedPrompt } from './served-prompt.js';
import { parsePort } from './options.js';

/** `distillery serve <student>`: an OpenAI-compatible server answering with the student. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .argument('<student>', 'student file (.dstl), project folder, or task file')
    .description('serve a student behind an OpenAI-compatible API (POST /v1/chat/completions, GET /v1/models)')
    .option('-p, --port <port>', 'port to listen on', '8080')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--model <name>', 'model name clients send (default: the file name)')
    .addHelpText('after', `
Point any OpenAI client at it by changing baseURL; the answer is the student's label, and
logprobs/top_logprobs carry its probabilities. Streaming (stream: true) is supported.
A request carrying the task's prompt template is classified on the {{text}} it recovers
(header x-distillery-template: matched); otherwise on the last user message (unmatched).

Example:
  $ distillery serve .distillery/sentiment/student.dstl --port 8080
  $ curl -s localhost:8080/v1/chat/completions -H 'content-type: application/json' \\
      -d '{"model":"student","messages":[{"role":"user","content":"great film"}],"logprobs":true,"top_logprobs":2}'`)
    .action(async (target: string, options: { port: string; host: string; model?: string }) => {
      try {
        const file = await resolveStudentPath(target);
        const student = loadStudentFile(file);
        const prompt = await servedPrompt(target, file);
        const modelName = options.model ?? path.basename(file).replace(/\.dstl$/, '');
        const server = await startStudentServer({ student, modelName, host: options.host, port: parsePort(options.port), prompt });
        process.stderr.write(`serving ${student.kind} student "${modelName}" (${student.labels.length} labels) at ${server.url}\n${describeServedPrompt(prompt)}\n`);
        const shutdown = () => void server.close().then(() => process.exit(0));
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      } catch (error) {
        process.exitCode = reportFailure(error, false);
      }
    });
}
