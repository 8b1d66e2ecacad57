/** The flags of `distillery trace`, parsed strictly: each bad value is one UsageError naming its flag. */
import { DistilleryError, EXIT, UsageError } from '../util/errors.js';
import { parseHttpUrl, parseIntegerOption, parsePositiveInteger } from './options.js';

/** The raw flags as commander hands them over. */
export interface TraceFlags {
  suspect: string;
  model: string;
  key?: string;
  tokenizer: string;
  prompts?: string;
  rounds: string;
  targetP: string;
  budgetUsd: string;
  priceInput?: string;
  priceOutput?: string;
  maxTokensScored?: string;
  maxTokens: string;
  temperature: string;
  reading: boolean;
  probes?: boolean;
  probeSamples: string;
  candidateSamples: string;
  candidate: string[];
  apiKeyEnv: string;
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

/** A candidate parent from `--candidate NAME=MODEL@URL`. */
export interface CandidateFlag { name: string; model: string; baseURL: string }

/** The flags, checked. */
export interface TraceSettings {
  baseURL: string;
  model: string;
  keyPath?: string;
  tokenizer: string;
  promptsPath?: string;
  rounds: number;
  targetP: number;
  budgetUSD: number;
  prices?: { inputPer1M: number; outputPer1M: number };
  maxTokensScored?: number;
  maxTokens: number;
  temperature: number;
  reading: boolean;
  probes: boolean;
  probeSamples: number;
  candidateSamples: number;
  candidates: CandidateFlag[];
  apiKeyEnv: string;
  outDir?: string;
  json: boolean;
  quiet: boolean;
}

/** A finite number flag within an open or closed range. */
function parseNumberFlag(value: string, flag: string, check: (parsed: number) => boolean, what: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || !check(parsed)) throw new UsageError(`${flag} must be ${what}, got "${value}"`);
  return parsed;
}

/** `NAME=MODEL@URL`. */
export function parseCandidate(value: string): CandidateFlag {
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)=([^@\s]+)@(\S+)$/u.exec(value);
  if (match === null) throw new UsageError(`--candidate must be NAME=MODEL@URL (e.g. gpt=gpt-4o-mini@https://api.openai.com/v1), got "${value}"`);
  return { name: match[1]!, model: match[2]!, baseURL: parseHttpUrl(match[3]!, '--candidate') };
}

/** The prices flags: both or neither. */
function parsePrices(flags: TraceFlags): TraceSettings['prices'] {
  if (flags.priceInput === undefined && flags.priceOutput === undefined) return undefined;
  if (flags.priceInput === undefined || flags.priceOutput === undefined) throw new UsageError('give both --price-input and --price-output (USD per 1M tokens), or neither');
  const price = (value: string, flag: string) => parseNumberFlag(value, flag, (parsed) => parsed >= 0, 'a price in USD per 1M tokens (>= 0)');
  return { inputPer1M: price(flags.priceInput, '--price-input'), outputPer1M: price(flags.priceOutput, '--price-output') };
}

/** Checks every flag. */
export function parseTraceFlags(flags: TraceFlags): TraceSettings {
  const probes = flags.probes === true || flags.candidate.length > 0;
  if (flags.key === undefined && !probes) throw new UsageError('give --key key.json for the watermark test, or --probes (and --candidate) for identity probes and attribution');
  const maxTokensScored = flags.maxTokensScored === undefined ? undefined : parsePositiveInteger(flags.maxTokensScored, '--max-tokens-scored');
  const prices = parsePrices(flags);
  return {
    baseURL: parseHttpUrl(flags.suspect, '--suspect'), model: flags.model, tokenizer: flags.tokenizer,
    rounds: parsePositiveInteger(flags.rounds, '--rounds'),
    targetP: parseNumberFlag(flags.targetP, '--target-p', (parsed) => parsed > 0 && parsed < 1, 'a probability strictly between 0 and 1'),
    budgetUSD: parseNumberFlag(flags.budgetUsd, '--budget-usd', (parsed) => parsed >= 0, 'an amount in USD (>= 0)'),
    maxTokens: parsePositiveInteger(flags.maxTokens, '--max-tokens'),
    temperature: parseNumberFlag(flags.temperature, '--temperature', (parsed) => parsed >= 0 && parsed <= 2, 'a number from 0 to 2'),
    reading: flags.reading, probes, probeSamples: parsePositiveInteger(flags.probeSamples, '--probe-samples'),
    candidateSamples: parseIntegerOption('--candidate-samples', flags.candidateSamples, { min: 3, what: 'an integer of at least 3 (a fifth of the answers is held out)' }),
    candidates: flags.candidate.map(parseCandidate), apiKeyEnv: flags.apiKeyEnv, json: flags.json === true, quiet: flags.quiet === true,
    ...(flags.key === undefined ? {} : { keyPath: flags.key }),
    ...(flags.prompts === undefined ? {} : { promptsPath: flags.prompts }),
    ...(prices === undefined ? {} : { prices }),
    ...(maxTokensScored === undefined ? {} : { maxTokensScored }),
    ...(flags.out === undefined ? {} : { outDir: flags.out }),
  };
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/iu;

/** The API key for `baseURL` from the environment variable `variable`; a server on this machine needs none. */
export function apiKeyFor(baseURL: string, variable: string): string {
  const value = process.env[variable];
  if (value !== undefined && value !== '') return value;
  if (LOOPBACK.test(new URL(baseURL).hostname)) return 'not-needed';
  throw new DistilleryError(`set ${variable} to the API key of ${baseURL} (or name another variable with --api-key-env)`, { exitCode: EXIT.missingKey, httpStatus: 400 });
}
