/**
 * What `distillery predict` labels: texts given as arguments, the rows of a JSONL/CSV/text file, or
 * stdin as one text (or one per line with --lines). Each text keeps an id to echo, so that outputs
 * can be joined back to inputs; an empty text is an error rather than a guess.
 */
import { readInputFile } from '../data/read-inputs.js';
import { UsageError } from '../util/errors.js';

/** One text to label, the id echoed beside its prediction, and where it came from (for errors). */
export interface PredictInput {
  id: string | number;
  text: string;
  where: string;
}

/** Where the texts come from, as the command line says. */
export interface PredictSource {
  texts: readonly string[];
  input?: string;
  format: 'auto' | 'jsonl' | 'csv' | 'text';
  textField: string;
  idField: string;
  lines: boolean;
  /** Reads all of stdin; injected so that the command, not this module, owns process.stdin. */
  readStdin: () => Promise<string>;
}

const FORMATS = ['auto', 'jsonl', 'csv', 'text'] as const;

/** The --format value, or a UsageError listing the valid ones. */
export function parseFormat(value: string): PredictSource['format'] {
  if ((FORMATS as readonly string[]).includes(value)) return value as PredictSource['format'];
  throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${value}"`);
}

/** Reads the texts the command line names and checks that none is empty. */
export async function readPredictInputs(source: PredictSource): Promise<PredictInput[]> {
  if (source.input !== undefined && source.texts.length > 0) throw new UsageError('give texts as arguments or --input <file>, not both');
  if (source.lines && (source.input !== undefined || source.texts.length > 0)) throw new UsageError('--lines splits stdin; it does not apply to arguments or --input');
  const inputs = source.input !== undefined ? await fileInputs(source, source.input) : source.texts.length > 0 ? argumentInputs(source.texts) : stdinInputs(await source.readStdin(), source.lines);
  if (inputs.length === 0) throw new UsageError(`${source.input ?? 'stdin'} holds no text to label`);
  const empty = inputs.find((input) => input.text.trim() === '');
  if (empty !== undefined) throw new UsageError(`${empty.where}: the text is empty; there is nothing to label`);
  return inputs;
}

function argumentInputs(texts: readonly string[]): PredictInput[] {
  return texts.map((text, index) => ({ id: index, text, where: `text argument ${index + 1}` }));
}

function stdinInputs(text: string, lines: boolean): PredictInput[] {
  if (!lines) return [{ id: 0, text, where: 'stdin' }];
  // Like a .txt input file: one text per line, blank lines are no texts.
  return text.split(/\r?\n/).flatMap((line, index) => (line.trim() === '' ? [] : [{ id: index + 1, text: line, where: `stdin line ${index + 1}` }]));
}

async function fileInputs(source: PredictSource, file: string): Promise<PredictInput[]> {
  const rows = await readInputFile(file, source.format, source.textField);
  return rows.map(({ fields, line }) => {
    const where = `${file}:${line}`;
    const text = fields[source.textField];
    if (text === undefined) throw new UsageError(`${where}: no "${source.textField}" field (--text-field); this row has: ${Object.keys(fields).join(', ') || 'no fields'}`);
    if (typeof text !== 'string') throw new UsageError(`${where}: "${source.textField}" must be a string, got ${text === null ? 'null' : typeof text}`);
    const id = fields[source.idField];
    return { id: typeof id === 'string' || typeof id === 'number' ? id : line, text, where };
  });
}
