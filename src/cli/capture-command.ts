import { createWriteStream, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { join } from 'node:path';
import { CAPTURE_FILE_NAME, EXPORT_FORMATS, exportLine, openCaptureStore, redactorFromNames, startCaptureProxy, type CaptureQuery, type ExportFormat } from '../capture/index.js';
import { parseSince } from '../util/duration.js';
import { UsageError } from '../util/errors.js';
import { reportFailure } from './exit-codes.js';
import { parseHttpUrl, parsePort } from './options.js';

/** Where the capture store is: --store FILE, else capture.sqlite in --project DIR. */
interface StoreFlags { project?: string; store?: string }

/** The store location from the flags; both at once is ambiguous. */
function storeLocation(flags: StoreFlags): { project?: string; file?: string } {
  if (flags.project !== undefined && flags.store !== undefined) throw new UsageError('give either --project DIR or --store FILE, not both');
  return flags.store !== undefined ? { file: flags.store } : { project: flags.project ?? '.' };
}

/** `distillery capture --upstream URL`: the recording proxy. */
async function runProxy(flags: StoreFlags & { upstream?: string; port: string; host: string; redact?: string }): Promise<void> {
  if (flags.upstream === undefined) throw new UsageError('--upstream URL is required (the OpenAI-compatible base URL the app calls now, e.g. https://api.openai.com/v1)');
  const upstream = parseHttpUrl(flags.upstream, '--upstream');
  const port = parsePort(flags.port);
  const redact = flags.redact === undefined ? undefined : redactorFromNames(flags.redact);
  const store = openCaptureStore(storeLocation(flags), redact === undefined ? {} : { redact });
  const proxy = await startCaptureProxy({ upstream, store, host: flags.host, port });
  process.stderr.write(`recording calls to ${upstream} in ${store.file}; point the app's baseURL at ${proxy.url}\n`);
  const shutdown = () => void proxy.close().then(() => store.close()).then(() => {
    process.stderr.write(`capture stopped: ${store.stored} calls stored, ${store.dropped} dropped\n`);
    process.exit(0);
  });
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

/** `distillery capture export`: filtered captured calls as JSONL. */
async function runExport(flags: StoreFlags & { tag?: string; model?: string; since?: string; until?: string; format: string; out?: string }): Promise<void> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(flags.format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got "${flags.format}"`);
  const now = Date.now();
  const query: CaptureQuery = {
    ...(flags.tag === undefined ? {} : { tag: flags.tag }),
    ...(flags.model === undefined ? {} : { model: flags.model }),
    ...(flags.since === undefined ? {} : { since: parseSince(flags.since, '--since', now) }),
    ...(flags.until === undefined ? {} : { until: parseSince(flags.until, '--until', now) }),
  };
  const location = storeLocation(flags);
  const file = location.file ?? join(location.project ?? '.', CAPTURE_FILE_NAME);
  // Export reads: creating an empty store where the user mistyped a path would hide the typo.
  if (!existsSync(file)) throw new UsageError(`no capture store at ${file} (run distillery capture first, or pass --project/--store)`);
  const store = openCaptureStore({ file });
  try {
    const lines = store.query(query).map((call) => exportLine(call, flags.format as ExportFormat)).filter((line): line is string => line !== null);
    const text = lines.map((line) => `${line}\n`).join('');
    if (flags.out === undefined) {
      process.stdout.write(text);
    } else {
      const out = createWriteStream(flags.out);
      await new Promise<void>((resolve, reject) => out.on('error', reject).end(text, resolve));
    }
    process.stderr.write(`exported ${lines.length} calls\n`);
  } finally {
    await store.close();
  }
}

/** Adds the store-location flags shared by the proxy and export. */
const withStore = (command: Command): Command => command
  .option('--project <dir>', 'project folder; the store is capture.sqlite in it (default: the current folder)')
  .option('--store <file>', 'the capture SQLite file itself');

/** Registers `distillery capture` and `distillery capture export`. */
export function registerCaptureCommand(program: Command): void {
  const capture = withStore(program
    .command('capture')
    .description('record production calls: an OpenAI-compatible proxy in front of the model the app calls now')
    .option('--upstream <url>', 'upstream base URL, e.g. https://api.openai.com/v1')
    .option('-p, --port <port>', 'port to listen on', '8090')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--redact <names>', 'redact before storing: emails, numbers (comma-separated)'))
    .addHelpText('after', `
The app keeps its own API key (it is forwarded upstream); answers, streamed or not, pass through
unchanged. Tag calls with a header "x-distillery-tags: a,b" or the request's metadata object.
Rows are written after the answer has left; a failing store never fails a call (drops are counted).

Example:
  $ distillery capture --upstream https://api.openai.com/v1 --redact emails,numbers
  $ OPENAI_BASE_URL=http://127.0.0.1:8090/v1 node app.js
  $ distillery capture export --tag checkout --since 7d --format openai --out train.jsonl`)
    .action(async (flags: Parameters<typeof runProxy>[0]) => {
      try {
        await runProxy(flags);
      } catch (error) {
        process.exitCode = reportFailure(error, false);
      }
    });
  withStore(capture
    .command('export')
    .description('write captured calls as JSONL ({messages, answer, usage, tags, model, at}) or OpenAI chat fine-tuning JSONL')
    .option('--tag <tag>', 'only calls with this tag (a header tag, or key=value from metadata)')
    .option('--model <model>', 'only calls to this model')
    .option('--since <when>', 'only calls at or after this: a duration back from now (7d, 12h) or a date (2026-11-01)')
    .option('--until <when>', 'only calls before this (same forms as --since)')
    .option('--format <format>', `output format: ${EXPORT_FORMATS.join(' or ')}`, 'jsonl')
    .option('--out <file>', 'write here instead of stdout'))
    .action(async (_flags: unknown, command: Command) => {
      try {
        // `capture export --store F`: commander hands --store/--project to the parent command, which defines them too.
        await runExport(command.optsWithGlobals<Parameters<typeof runExport>[0]>());
      } catch (error) {
        process.exitCode = reportFailure(error, false);
      }
    });
}
