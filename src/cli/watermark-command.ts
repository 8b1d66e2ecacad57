import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { MINIMUM_SCORED_TUPLES } from '../evidence/context-prf.js';
import { detectGumbel } from '../evidence/gumbel.js';
import { detectKgw } from '../evidence/kgw.js';
import { readWatermarkKeyFile } from '../evidence/watermark-key-file.js';
import { generateWatermarkKey, serializeWatermarkKey, type WatermarkKey, type WatermarkScheme } from '../evidence/watermark-key.js';
import { loadStudentFileOfAnyKind } from '../student/load-student.js';
import { UsageError } from '../util/errors.js';
import { fileFailureReason } from '../util/node-errors.js';
import { reportFailure } from './exit-codes.js';

/** One scored text, as printed (and as the --json line). */
interface DetectionLine {
  source: string;
  scheme: WatermarkScheme;
  tokens: number;
  scored: number;
  /** KGW only. */
  green?: number;
  /** Gumbel only: S = Σ −ln(1 − r). */
  score?: number;
  pValue: number;
  log10P: number;
  verdict: 'not enough evidence' | 'watermarked at p < 1e-3' | 'no watermark evidence';
}

/** Parses a number flag strictly (commander hands strings over). */
function parseNumber(value: string, flag: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new UsageError(`${flag} must be a number, got "${value}"`);
  return parsed;
}

/** Turns a text into the token ids a watermark was applied to. */
type TextTokenizer = (text: string) => number[];

/** The tokenizer named by --tokenizer: o200k (gpt-4o's), or a language-model student file (text it served). */
function textTokenizer(name: string): TextTokenizer {
  if (name === 'o200k') return (text) => encode(text);
  if (!existsSync(name)) throw new UsageError(`--tokenizer must be o200k or a language-model student file, got "${name}" (no such file)`);
  const loaded = loadStudentFileOfAnyKind(name);
  if (loaded.family !== 'generative') throw new UsageError(`--tokenizer ${name}: a ${loaded.student.kind} ${loaded.family === 'span' ? 'span tagger' : 'classifier'} has no text tokenizer; give a language-model student file or o200k`);
  const { tokenizer } = loaded.student;
  return (text) => tokenizer.encode(text);
}

/** Scores one text's tokens against the key. */
function detectText(key: WatermarkKey, source: string, text: string, tokenize: TextTokenizer): DetectionLine {
  const tokens = tokenize(text);
  const common = { source, scheme: key.scheme, tokens: tokens.length };
  const result = key.scheme === 'kgw' ? detectKgw(key, tokens) : detectGumbel(key, tokens);
  const verdict = !result.enoughEvidence ? 'not enough evidence' : result.pValue < 1e-3 ? 'watermarked at p < 1e-3' : 'no watermark evidence';
  const detail = 'green' in result ? { green: result.green } : { score: result.score };
  return { ...common, scored: result.scored, ...detail, pValue: result.pValue, log10P: result.log10P, verdict };
}

/** The human line for one text. */
function humanLine(line: DetectionLine): string {
  const counts = line.green === undefined ? `score ${line.score?.toFixed(1)}` : `${line.green} green`;
  const p = line.pValue > 0 ? line.pValue.toPrecision(3) : `1e${line.log10P.toFixed(1)}`;
  if (line.verdict === 'not enough evidence') return `${line.source}: not enough evidence (${line.scored} distinct tuples scored of ${line.tokens} tokens; at least ${MINIMUM_SCORED_TUPLES} needed)`;
  return `${line.source}: ${line.scored} tuples scored (${line.tokens} tokens), ${counts}, p = ${p} (log10 ${line.log10P.toFixed(2)}): ${line.verdict}`;
}

/** The texts to score: each file is one text; with none, stdin is one text. */
async function readTexts(files: readonly string[]): Promise<{ source: string; text: string }[]> {
  if (files.length === 0) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return [{ source: 'stdin', text: Buffer.concat(chunks).toString('utf8') }];
  }
  return Promise.all(files.map(async (file) => {
    try {
      return { source: file, text: await readFile(file, 'utf8') };
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${fileFailureReason(error) ?? (error as Error).message}`);
    }
  }));
}

/** `distillery watermark keygen|detect`: make a watermark key, and test texts for its watermark. */
export function registerWatermarkCommand(program: Command): void {
  const watermark = program.command('watermark').description('token watermark keys and detection with exact p-values (KGW or Gumbel)');
  watermark
    .command('keygen')
    .description('print a new watermark key (JSON with a random 32-byte secret) on stdout; keep it private')
    .option('--scheme <scheme>', 'kgw (green lists) or gumbel (Aaronson sampling)', 'kgw')
    .option('--gamma <fraction>', 'KGW: green fraction of the vocabulary, strictly between 0 and 1', '0.25')
    .option('--delta <bias>', 'KGW: logit bias added to green tokens', '2')
    .option('--context-width <h>', 'previous tokens that seed the green list (1–16)', '1')
    .addHelpText('after', '\nExample: distillery watermark keygen --scheme kgw > key.json\n\nExit codes: 0 done; 2 invalid flag.')
    .action((options: { scheme: string; gamma: string; delta: string; contextWidth: string }) => {
      try {
        if (options.scheme !== 'kgw' && options.scheme !== 'gumbel') throw new UsageError(`--scheme must be kgw or gumbel, got "${options.scheme}"`);
        const key = generateWatermarkKey(options.scheme, {
          gamma: parseNumber(options.gamma, '--gamma'), delta: parseNumber(options.delta, '--delta'), contextWidth: parseNumber(options.contextWidth, '--context-width'),
        });
        process.stdout.write(serializeWatermarkKey(key));
      } catch (error) {
        process.exitCode = reportFailure(error, false);
      }
    });
  watermark
    .command('detect')
    .description('score texts for the watermark of a key: distinct tuples scored, green count, exact p-value')
    .argument('[file...]', 'texts to score, one text per file; without them, stdin is one text')
    .requiredOption('--key <file>', 'the watermark key file (from `distillery watermark keygen`)')
    .option('--tokenizer <name>', 'how texts are tokenised: o200k (gpt-4o\'s), or a language-model student file for text `distillery serve --watermark` served', 'o200k')
    .option('--json', 'one JSON object per text instead of a line for people')
    .addHelpText('after', `
Each distinct (previous h tokens, token) tuple is scored once. The p-value is exact: the binomial
tail for KGW, the Gamma tail for Gumbel, under "this text was written without the key". Fewer than
${MINIMUM_SCORED_TUPLES} scored tuples give "not enough evidence", not a verdict.

Exit codes: 0 scored (whatever the verdict); 2 invalid input (missing, malformed or unknown key file, unreadable text).`)
    .action(async (files: string[], options: { key: string; tokenizer: string; json?: boolean }) => {
      try {
        const tokenize = textTokenizer(options.tokenizer);
        const key = await readWatermarkKeyFile(options.key);
        const lines = (await readTexts(files)).map(({ source, text }) => detectText(key, source, text, tokenize));
        for (const line of lines) process.stdout.write(`${options.json === true ? JSON.stringify(line) : humanLine(line)}\n`);
      } catch (error) {
        process.exitCode = reportFailure(error, options.json === true);
      }
    });
}
