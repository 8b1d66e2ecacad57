import path from 'node:path';
import type { Command } from 'commander';
import { readWatermarkKeyFile } from '../evidence/watermark-key-file.js';
import type { WatermarkKey } from '../evidence/watermark-key.js';
import { startLanguageModelServer } from '../serve/language-model-server.js';
import { startSpanStudentServer } from '../serve/span-student-server.js';
import { startStudentServer } from '../serve/student-server.js';
import { loadStudentFileOfAnyKind, type LoadedStudentFile } from '../student/load-student.js';
import { UsageError } from '../util/errors.js';
import { reportFailure } from './exit-codes.js';
import { parsePort } from './options.js';
import { resolveStudentPath } from './resolve-student.js';
import { describeServedPrompt, servedPrompt } from './served-prompt.js';

/** What `serve` was asked for. */
interface ServeOptions {
  port: string;
  host: string;
  model?: string;
  watermark?: string;
}

/** The key for --watermark; a usage error for a classifier, whose one-token label can carry no mark. */
async function watermarkKey(loaded: LoadedStudentFile, file: string | undefined): Promise<WatermarkKey | undefined> {
  if (file === undefined) return undefined;
  if (loaded.family === 'classifier') {
    throw new UsageError(`--watermark needs a language-model student; this is a classifier student (kind ${loaded.student.kind}), whose answer is one label and can carry no token watermark (guard serve --watermark marks pass-through text instead)`);
  }
  if (loaded.family === 'span') throw new UsageError('--watermark needs a language-model student; this is a span-tagger student, whose answer copies spans of the input and samples no tokens to mark');
  return readWatermarkKeyFile(file);
}

/** Starts the server that fits the student's family, and prints the banner. */
async function startServer(target: string, options: ServeOptions): Promise<{ close(): Promise<void> }> {
  const file = await resolveStudentPath(target);
  const loaded = loadStudentFileOfAnyKind(file);
  const key = await watermarkKey(loaded, options.watermark);
  const prompt = await servedPrompt(target, file);
  const modelName = options.model ?? path.basename(file).replace(/\.dstl$/, '');
  const common = { modelName, host: options.host, port: parsePort(options.port), prompt };
  if (loaded.family === 'classifier') {
    const server = await startStudentServer({ ...common, student: loaded.student });
    process.stderr.write(`serving ${loaded.student.kind} student "${modelName}" (${loaded.student.labels.length} labels) at ${server.url}\n${describeServedPrompt(prompt)}\n`);
    return server;
  }
  if (loaded.family === 'span') {
    const server = await startSpanStudentServer({ ...common, student: loaded.student });
    process.stderr.write(`serving span-tagger student "${modelName}" (fields ${loaded.student.fields.map((field) => field.name).join(', ')}) at ${server.url}\n${describeServedPrompt(prompt, 'answered')}\n`);
    return server;
  }
  const server = await startLanguageModelServer({ ...common, student: loaded.student, ...(key === undefined ? {} : { watermark: key }) });
  const mark = key === undefined ? '' : `, watermarked (${key.scheme})`;
  process.stderr.write(`serving language-model student "${modelName}" (${loaded.student.parameterCount()} parameters${mark}) at ${server.url}\n${describeServedPrompt(prompt, 'answered')}\n`);
  return server;
}

/** `distillery serve <student>`: an OpenAI-compatible server answering with the student. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .argument('<student>', 'student file (.dstl), project folder, or task file')
    .description('serve a student behind an OpenAI-compatible API (POST /v1/chat/completions, /v1/completions for language models, GET /v1/models)')
    .option('-p, --port <port>', 'port to listen on', '8080')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--model <name>', 'model name clients send (default: the file name)')
    .option('--watermark <key.json>', 'language-model students: watermark every answer with this key (from `distillery watermark keygen`)')
    .addHelpText('after', `
Point any OpenAI client at it by changing baseURL.
A classifier student answers with its label; logprobs/top_logprobs carry its probabilities.
A language-model student generates: stream, logprobs/top_logprobs, usage, stop, max_tokens /
max_completion_tokens, temperature (default 1, as OpenAI), top_p, seed, n, and response_format
json_schema / json_object (constrained decoding: the answer always parses and validates unless
max_tokens cuts it). Tools and audio are refused with a 400; penalties and logit_bias are ignored,
named in the x-distillery-warning header.
A span-tagger student (extract tasks) answers chat completions with the schema's JSON object
(valid by construction; response_format json_schema must ask for that object), streamed in one
piece; it has no token logprobs (logprobs: null, said in x-distillery-warning) and reports its
Viterbi margin in x-distillery-span-margin; usage is counted in o200k tokens, as the teacher bills.
A chat request carrying the task's prompt template is answered on the {{text}} it recovers
(header x-distillery-template: matched); otherwise on the last user message (unmatched).
--watermark: a KGW key biases the keyed green list; a Gumbel key picks tokens by the keyed PRF
(temperature 0 then samples at 1: a greedy answer carries no Gumbel mark). Check served text with
\`distillery watermark detect --key key.json --tokenizer student.dstl\`.

Example:
  $ distillery serve .distillery/sentiment/student.dstl --port 8080
  $ curl -s localhost:8080/v1/chat/completions -H 'content-type: application/json' \\
      -d '{"model":"student","messages":[{"role":"user","content":"great film"}],"logprobs":true,"top_logprobs":2}'

Exit codes: 0 stopped by a signal; 2 invalid input (missing or corrupt student, bad key file, --watermark on a classifier).`)
    .action(async (target: string, options: ServeOptions) => {
      try {
        const server = await startServer(target, options);
        const shutdown = () => void server.close().then(() => process.exit(0));
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      } catch (error) {
        process.exitCode = reportFailure(error, false);
      }
    });
}
