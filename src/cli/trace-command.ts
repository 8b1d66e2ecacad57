/**
 * `distillery trace`: evidence that a suspect model learnt from your outputs. With --key, the
 * radioactivity test (and reading mode where the suspect serves logprobs); with --probes, identity
 * probes; with --candidate, which candidate parent the suspect's answers resemble.
 */
import type { Command } from 'commander';
import { runAttribution } from '../evidence/attribution.js';
import { runProbes, summariseProbes } from '../evidence/probes.js';
import { builtInTracePrompts, readTracePrompts, type TracePrompt } from '../evidence/trace-prompts.js';
import { runReadingTrace } from '../evidence/trace-reading.js';
import { createSuspect, type Suspect } from '../evidence/trace-suspect.js';
import { resolveTraceTokenizer, type TraceTokenizer } from '../evidence/trace-tokenizer.js';
import { runTrace } from '../evidence/trace.js';
import { readWatermarkKeyFile } from '../evidence/watermark-key-file.js';
import type { WatermarkKey } from '../evidence/watermark-key.js';
import { reportFailure } from './exit-codes.js';
import { formatP, humanReport, writeTraceFiles, type TraceReport } from './trace-output.js';
import { apiKeyFor, parseTraceFlags, type TraceFlags, type TraceSettings } from './trace-options.js';

/** Exit code of a trace that scored too few tuples to support a p-value. */
export const NOT_ENOUGH_EVIDENCE_EXIT = 10;

const HELP = `
The watermark test (Sander et al. 2024): the suspect answers prompts (--prompts, else 20 built-in
open-ended ones); each answer is tokenised with --tokenizer (the watermarked model's tokenizer) and
its (previous h tokens, token) tuples are scored against the key with an exact p-value (binomial
tail for KGW, Gamma tail for Gumbel). A tuple counts once across the whole run, and tuples that
also occur in the prompt are skipped (a clean model quoting a watermarked prompt would otherwise
look radioactive). The p-value is checked after every answer; the verdict uses it times the number
of looks (a union bound on optional stopping). The run stops at --target-p, --budget-usd,
--max-tokens-scored or the end of the prompts.

Reading mode: when --prompts lines carry the owner's watermarked "answer", those texts are sent to
the suspect's completions endpoint with echo + logprobs and its top-1 predictions are scored. OpenAI's
current models refuse echo with logprobs; vLLM-style servers of open models accept it. A refusal
prints "reading mode: unavailable" with the server's reason.

--prompts: JSONL, one per line: "a prompt", {"prompt": "..."} or {"messages": [...]}, optionally
with "answer" (the owner's watermarked answer, for reading mode).

Identity (--probes): 11 fixed probes (who made you, what model are you, the same behind
prompt-injection and persona wrappers, training cut-off, a refusal probe), --probe-samples times
each; the claims found are counted ("calls itself ChatGPT in 5 of 8 identity answers").
Attribution (--candidate NAME=MODEL@URL, at least two): every candidate answers the probes
--candidate-samples times; an n-gram classify student learns to tell them apart; its held-out accuracy
(95% Wilson interval) is printed with the parent the suspect's answers resemble most.

Costs: calls are priced with the teacher price table (an unknown model on this machine is free;
elsewhere give --price-input/--price-output) and each endpoint may spend at most --budget-usd.

Examples:
  distillery trace --suspect https://api.example.com/v1 --model their-model --key key.json --prompts my-logs.jsonl
  distillery trace --suspect http://127.0.0.1:8000/v1 --model student --key key.json --tokenizer owner.lm --json
  distillery trace --suspect URL --model M --probes --candidate a=gpt-4o-mini@https://api.openai.com/v1 --candidate b=llama@http://127.0.0.1:8080/v1

Exit codes: 0 a verdict was reached (radioactive or not significant; read it in the output) or the
probes ran; ${NOT_ENOUGH_EVIDENCE_EXIT} not enough evidence (too few distinct tuples were scored to support a p-value:
raise --budget-usd, --rounds or give more prompts); 2 invalid input (a flag, a prompts file, a key
file that is missing, malformed or of an unknown scheme, an unreadable --tokenizer); 4 the suspect
(or a candidate) is unreachable, refuses the key or the requests, refuses every prompt, or answers
empty; 6 no API key for a remote endpoint.`;

/** The budgeted client of one endpoint. */
function suspectFor(settings: TraceSettings, baseURL: string, model: string): Suspect {
  return createSuspect({
    baseURL, model, apiKey: apiKeyFor(baseURL, settings.apiKeyEnv), maxTokens: settings.maxTokens, temperature: settings.temperature,
    budgetUSD: settings.budgetUSD, ...(settings.prices === undefined ? {} : { prices: settings.prices }),
  });
}

/** Prints one progress line on stderr. */
function progress(settings: TraceSettings, line: string): void {
  if (!settings.quiet) process.stderr.write(`trace: ${line}\n`);
}

/** The watermark test and reading mode. */
async function traceWatermark(settings: TraceSettings, key: WatermarkKey, tokenizer: TraceTokenizer, prompts: TracePrompt[], suspect: Suspect, report: TraceReport): Promise<void> {
  report.watermark = await runTrace({
    key, tokenizer, suspect, prompts, rounds: settings.rounds, targetP: settings.targetP,
    ...(settings.maxTokensScored === undefined ? {} : { maxTokensScored: settings.maxTokensScored }),
    onProgress: (point) => progress(settings, `${point.answers} answers, ${point.tokens} tokens, ${point.scored} tuples scored, p = ${formatP(point.log10P)}`),
  });
  const texts = prompts.flatMap((prompt) => (prompt.answer === undefined ? [] : [prompt.answer]));
  if (!settings.reading) return;
  if (texts.length === 0) report.reading = { available: false, reason: 'no owner answers to read (give --prompts lines with "answer")' };
  else report.reading = await runReadingTrace({ key, tokenizer, suspect, texts, targetP: settings.targetP });
}

/** Identity probes and attribution. */
async function traceIdentity(settings: TraceSettings, suspect: Suspect, report: TraceReport): Promise<number> {
  const answers = await runProbes(suspect.ask, settings.probeSamples);
  progress(settings, `${answers.length} probe answers`);
  report.probes = summariseProbes(answers);
  if (settings.candidates.length === 0) return 0;
  const candidates = settings.candidates.map((candidate) => ({ ...candidate, client: suspectFor(settings, candidate.baseURL, candidate.model) }));
  report.attribution = await runAttribution(candidates.map(({ name, client }) => ({ name, ask: client.ask })), answers, { samples: settings.candidateSamples });
  return candidates.reduce((total, candidate) => total + candidate.client.spentUSD(), 0);
}

/** Everything a trace needs, checked before the first paid call. */
export interface PreparedTrace {
  settings: TraceSettings;
  key?: WatermarkKey;
  tokenizer?: TraceTokenizer;
  prompts: TracePrompt[];
  suspect: Suspect;
}

/** Parses the flags and reads the key, tokenizer and prompts: every input error surfaces here, before any call. */
export async function prepareTrace(flags: TraceFlags): Promise<PreparedTrace> {
  const settings = parseTraceFlags(flags);
  const key = settings.keyPath === undefined ? undefined : await readWatermarkKeyFile(settings.keyPath);
  const tokenizer = key === undefined ? undefined : await resolveTraceTokenizer(settings.tokenizer);
  const prompts = settings.promptsPath === undefined ? builtInTracePrompts() : await readTracePrompts(settings.promptsPath);
  const suspect = suspectFor(settings, settings.baseURL, settings.model);
  for (const candidate of settings.candidates) apiKeyFor(candidate.baseURL, settings.apiKeyEnv);
  return { settings, prompts, suspect, ...(key === undefined ? {} : { key }), ...(tokenizer === undefined ? {} : { tokenizer }) };
}

/** Runs the command; returns the exit code. */
async function traceAction(flags: TraceFlags): Promise<number> {
  const { settings, key, tokenizer, prompts, suspect } = await prepareTrace(flags);
  const report: TraceReport = { type: 'trace', suspect: { baseURL: settings.baseURL, model: settings.model }, spentUSD: 0 };
  if (key !== undefined && tokenizer !== undefined) {
    report.key = { scheme: key.scheme, gamma: key.gamma, contextWidth: key.contextWidth };
    report.tokenizer = tokenizer.name;
    await traceWatermark(settings, key, tokenizer, prompts, suspect, report);
  }
  const candidatesSpent = settings.probes ? await traceIdentity(settings, suspect, report) : 0;
  report.spentUSD = suspect.spentUSD() + candidatesSpent;
  if (settings.outDir !== undefined) for (const file of await writeTraceFiles(settings.outDir, report)) progress(settings, `wrote ${file}`);
  process.stdout.write(settings.json ? `${JSON.stringify(report)}\n` : humanReport(report));
  return report.watermark?.verdict === 'not enough evidence' ? NOT_ENOUGH_EVIDENCE_EXIT : 0;
}

/** The flags' defaults, as commander fills them in (for callers that build flags themselves). */
export const TRACE_FLAG_DEFAULTS = Object.freeze({
  tokenizer: 'o200k', rounds: '1', targetP: '1e-6', budgetUsd: '1', maxTokens: '256', temperature: '1', reading: true,
  probeSamples: '1', candidateSamples: '5', candidate: [] as string[], apiKeyEnv: 'OPENAI_API_KEY',
});

/** Collects a repeatable flag. */
const collect = (value: string, previous: string[]) => [...previous, value];

/** `distillery trace`. */
export function registerTraceCommand(program: Command): void {
  program
    .command('trace')
    .description('evidence that a suspect model learnt from your outputs: watermark p-value, identity probes, parent attribution')
    .requiredOption('--suspect <url>', 'base URL of the suspect\'s OpenAI-compatible API (e.g. https://host/v1)')
    .requiredOption('--model <name>', 'the suspect\'s model name')
    .option('--key <file>', 'watermark key file (from `distillery watermark keygen`); runs the radioactivity test')
    .option('--tokenizer <name>', 'how answers are tokenised: o200k, cl100k, or a Distillery language-model student file (the watermarked model\'s tokenizer)', TRACE_FLAG_DEFAULTS.tokenizer)
    .option('--prompts <file>', 'JSONL prompts from your logs (default: 20 built-in open-ended prompts)')
    .option('--rounds <n>', 'passes over the prompts (a sampling suspect answers repeats differently)', TRACE_FLAG_DEFAULTS.rounds)
    .option('--target-p <p>', 'stop once the corrected p-value is below this', TRACE_FLAG_DEFAULTS.targetP)
    .option('--budget-usd <usd>', 'the most spent on each endpoint', TRACE_FLAG_DEFAULTS.budgetUsd)
    .option('--price-input <usd>', 'USD per 1M input tokens of the suspect (default: the price table)')
    .option('--price-output <usd>', 'USD per 1M output tokens of the suspect')
    .option('--max-tokens-scored <n>', 'stop once this many distinct tuples are scored')
    .option('--max-tokens <n>', 'longest answer asked for', TRACE_FLAG_DEFAULTS.maxTokens)
    .option('--temperature <t>', 'sampling temperature sent to the suspect', TRACE_FLAG_DEFAULTS.temperature)
    .option('--no-reading', 'skip reading mode even when --prompts carries the owner\'s answers')
    .option('--probes', 'run the identity probes')
    .option('--probe-samples <n>', 'times each probe is asked of the suspect', TRACE_FLAG_DEFAULTS.probeSamples)
    .option('--candidate-samples <n>', 'times each probe is asked of each candidate (a fifth of the answers is held out to measure the classifier)', TRACE_FLAG_DEFAULTS.candidateSamples)
    .option('--candidate <name=model@url>', 'a candidate parent for attribution (repeat; at least two; implies --probes)', collect, [])
    .option('--api-key-env <variable>', 'environment variable holding the API key (not needed for a server on this machine)', TRACE_FLAG_DEFAULTS.apiKeyEnv)
    .option('--out <folder>', 'also write trace.json and trace.svg (p-value against tuples scored) there')
    .option('--json', 'one JSON object on stdout instead of lines for people')
    .option('--quiet', 'no progress lines on stderr')
    .addHelpText('after', HELP)
    .action(async (flags: TraceFlags) => {
      try {
        process.exitCode = await traceAction(flags);
      } catch (error) {
        process.exitCode = reportFailure(error, flags.json === true);
      }
    });
}
