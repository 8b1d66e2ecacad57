/**
 * The files of OpenAI's Batch API: the JSONL input (one request per line, with a `custom_id`), split
 * to stay within the documented limits (50,000 requests and 200 MB per file), and the output and
 * error files read back into one result per `custom_id`.
 */

/** Requests one batch input file may hold (OpenAI's documented limit). */
export const BATCH_MAX_REQUESTS = 50_000;
/** Bytes one batch input file may hold (OpenAI's documented limit: 200 MB). */
export const BATCH_MAX_BYTES = 200 * 1024 * 1024;

/** The endpoint every line of a Distillery batch calls. */
export const BATCH_ENDPOINT = '/v1/chat/completions';

/** One input line, ready to be written. */
export interface BatchInputLine {
  customId: string;
  /** The line, newline included. */
  text: string;
  bytes: number;
}

/** Where a file must be cut. */
export interface BatchFileLimits {
  maxRequests: number;
  maxBytes: number;
}

/** The input line of one request. */
export function batchInputLine(customId: string, body: Record<string, unknown>): BatchInputLine {
  const text = `${JSON.stringify({ custom_id: customId, method: 'POST', url: BATCH_ENDPOINT, body })}\n`;
  return { customId, text, bytes: Buffer.byteLength(text, 'utf8') };
}

/**
 * Splits lines, in order, into files that each stay within both limits. A single line larger than
 * the byte limit cannot be sent in any file: it is returned apart, in `tooLarge`.
 */
export function splitBatchFiles<T extends { bytes: number }>(lines: readonly T[], limits: BatchFileLimits): { files: T[][]; tooLarge: T[] } {
  const files: T[][] = [];
  const tooLarge: T[] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const line of lines) {
    if (line.bytes > limits.maxBytes) {
      tooLarge.push(line);
      continue;
    }
    if (current.length > 0 && (current.length >= limits.maxRequests || bytes + line.bytes > limits.maxBytes)) {
      files.push(current);
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += line.bytes;
  }
  if (current.length > 0) files.push(current);
  return { files, tooLarge };
}

/** One line of a batch's output or error file. */
export interface BatchResultLine {
  customId: string;
  /** The HTTP status the request got; null when it never ran (e.g. the batch expired first). */
  statusCode: number | null;
  requestId: string | null;
  body: unknown;
  /** The line's error, e.g. { code: 'batch_expired', … }; null for a success. */
  error: { code: string | null; message: string } | null;
}

const field = (value: unknown, key: string): unknown => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined);

/** The error of a result line: its `error` object, else the response body's. */
function lineError(line: unknown): BatchResultLine['error'] {
  const error = field(line, 'error') ?? field(field(field(line, 'response'), 'body'), 'error');
  if (error === undefined || error === null) return null;
  const code = field(error, 'code');
  const message = field(error, 'message');
  return { code: typeof code === 'string' ? code : null, message: typeof message === 'string' ? message : JSON.stringify(error).slice(0, 200) };
}

/** Reads an output or error file; lines that are not results (blank, malformed, no custom_id) are counted, not thrown. */
export function parseBatchResults(text: string): { results: BatchResultLine[]; malformed: number } {
  const results: BatchResultLine[] = [];
  let malformed = 0;
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let line: unknown;
    try {
      line = JSON.parse(raw);
    } catch {
      malformed++;
      continue;
    }
    const customId = field(line, 'custom_id');
    if (typeof customId !== 'string') {
      malformed++;
      continue;
    }
    const response = field(line, 'response');
    const status = field(response, 'status_code');
    const requestId = field(response, 'request_id');
    results.push({
      customId, statusCode: typeof status === 'number' ? status : null, requestId: typeof requestId === 'string' ? requestId : null,
      body: field(response, 'body') ?? null, error: lineError(line),
    });
  }
  return { results, malformed };
}
