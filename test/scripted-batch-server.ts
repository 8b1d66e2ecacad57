/**
 * A scripted Batch API server: OpenAI's documented shapes (files: upload with purpose "batch" and
 * content download; batches: create, retrieve, list; JSONL input lines with custom_id, output and
 * error files with one result per line), with faults no real server produces on demand: a batch that
 * expires after some of its requests, requests that fail (error file), and a batch held in progress
 * until the test releases it. Answers are chat completions with logprobs, labelled by a keyword.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One uploaded file. */
interface StoredFile { id: string; purpose: string; filename: string; text: string; createdAt: number }

/** One batch as the server keeps it. */
interface ScriptedBatch {
  id: string; inputFileId: string; metadata: Record<string, string> | null; status: string; retrieves: number;
  outputFileId: string | null; errorFileId: string | null; createdAt: number; endedAt: number | null; total: number; completed: number; failed: number;
}

/** Faults the next batches get, set by the test. */
export interface BatchScript {
  /** The Nth created batch (0-based) expires after answering this many requests; the rest go to the error file as batch_expired. */
  expireAfter?: Map<number, number>;
  /** Requests whose user message contains this fail with status 500 (error file). */
  failWhen?: string;
  /** Retrieves a batch stays in_progress before it finishes (default 1). */
  progressPolls?: number;
  /** While true, batches stay in_progress however often they are polled. */
  hold?: boolean;
}

/** The running server, what it was asked, and its script. */
export interface ScriptedBatchServer {
  url: string;
  script: BatchScript;
  files: StoredFile[];
  batches: ScriptedBatch[];
  /** Every request, as "METHOD path". */
  log: string[];
  close(): Promise<void>;
}

const LABELS = ['positive', 'negative'];

/** The chat completion a request gets: the label its user message suggests, with top-2 logprobs. */
function completionFor(body: { messages?: Array<{ content?: string }> }, customId: string): Record<string, unknown> {
  const text = body.messages?.at(-1)?.content ?? '';
  const label = text.includes('fine') ? 'positive' : 'negative';
  const other = LABELS.find((name) => name !== label) as string;
  const logprobs = { content: [{ token: label, logprob: -0.2, bytes: null, top_logprobs: [{ token: label, logprob: -0.2, bytes: null }, { token: other, logprob: -1.7, bytes: null }] }], refusal: null };
  return {
    id: `chatcmpl-${customId}`, object: 'chat.completion', created: 1, model: 'batch-model',
    choices: [{ index: 0, message: { role: 'assistant', content: label, refusal: null }, logprobs, finish_reason: 'stop' }],
    usage: { prompt_tokens: 20, completion_tokens: 1, total_tokens: 21 },
  };
}

/** The upload's parts of a multipart/form-data body: field name → value (the file's text for the file). */
function multipartFields(body: Buffer, contentType: string): Map<string, { value: string; filename: string | null }> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const marker = `--${boundary?.[1] ?? boundary?.[2] ?? ''}`;
  const fields = new Map<string, { value: string; filename: string | null }>();
  for (const part of body.toString('utf8').split(marker)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const headers = part.slice(0, split);
    const name = /name="([^"]+)"/.exec(headers)?.[1];
    if (name === undefined) continue;
    fields.set(name, { value: part.slice(split + 4).replace(/\r\n$/, ''), filename: /filename="([^"]+)"/.exec(headers)?.[1] ?? null });
  }
  return fields;
}

/** The batch object in OpenAI's shape. */
function batchObject(batch: ScriptedBatch): Record<string, unknown> {
  const final = batch.endedAt;
  return {
    id: batch.id, object: 'batch', endpoint: '/v1/chat/completions', errors: null, input_file_id: batch.inputFileId, completion_window: '24h',
    status: batch.status, output_file_id: batch.outputFileId, error_file_id: batch.errorFileId, created_at: batch.createdAt,
    in_progress_at: batch.status === 'validating' ? null : batch.createdAt, expires_at: batch.createdAt + 86_400,
    finalizing_at: final, completed_at: batch.status === 'completed' ? final : null, failed_at: null,
    expired_at: batch.status === 'expired' ? final : null, cancelling_at: null, cancelled_at: null,
    request_counts: { total: batch.total, completed: batch.completed, failed: batch.failed }, metadata: batch.metadata,
  };
}

/** Starts the server on a free loopback port. */
export async function startScriptedBatchServer(script: BatchScript = {}): Promise<ScriptedBatchServer> {
  const state: Omit<ScriptedBatchServer, 'url' | 'close'> = { script, files: [], batches: [], log: [] };
  let nextId = 0;
  const id = (prefix: string) => `${prefix}${String(++nextId).padStart(6, '0')}`;
  const addFile = (text: string, purpose: string, filename: string) => {
    const file = { id: id('file-'), purpose, filename, text, createdAt: Math.floor(Date.now() / 1000) };
    state.files.push(file);
    return file;
  };

  /** Runs a batch's requests: answers, expiries and failures, into an output and an error file. */
  function finish(batch: ScriptedBatch, ordinal: number): void {
    const input = state.files.find((file) => file.id === batch.inputFileId);
    const lines = (input?.text ?? '').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as { custom_id: string; body: { messages?: Array<{ content?: string }> } });
    const expireAfter = script.expireAfter?.get(ordinal);
    const output: string[] = [];
    const errors: string[] = [];
    lines.forEach((line, index) => {
      const requestId = `req_${line.custom_id}`;
      if (expireAfter !== undefined && index >= expireAfter) {
        errors.push(JSON.stringify({ id: id('batch_req_'), custom_id: line.custom_id, response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } }));
      } else if (script.failWhen !== undefined && (line.body.messages?.at(-1)?.content ?? '').includes(script.failWhen)) {
        errors.push(JSON.stringify({ id: id('batch_req_'), custom_id: line.custom_id, response: { status_code: 500, request_id: requestId, body: { error: { message: 'The server had an error processing your request.', type: 'server_error', code: null } } }, error: null }));
      } else {
        output.push(JSON.stringify({ id: id('batch_req_'), custom_id: line.custom_id, response: { status_code: 200, request_id: requestId, body: completionFor(line.body, line.custom_id) }, error: null }));
      }
    });
    batch.status = expireAfter !== undefined ? 'expired' : 'completed';
    batch.endedAt = batch.createdAt + 60;
    batch.completed = output.length;
    batch.failed = errors.length;
    if (output.length > 0) batch.outputFileId = addFile(`${output.join('\n')}\n`, 'batch_output', 'output.jsonl').id;
    if (errors.length > 0) batch.errorFileId = addFile(`${errors.join('\n')}\n`, 'batch_output', 'errors.jsonl').id;
  }

  function retrieve(batch: ScriptedBatch): void {
    batch.retrieves++;
    if (batch.status === 'validating') batch.status = 'in_progress';
    else if (batch.status === 'in_progress' && script.hold !== true && batch.retrieves > (script.progressPolls ?? 1)) finish(batch, state.batches.indexOf(batch));
  }

  const handle = (request: http.IncomingMessage, body: Buffer, response: http.ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://x');
    const send = (status: number, value: unknown, type = 'application/json') => {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      response.writeHead(status, { 'content-type': type, 'x-request-id': 'req_scripted' }).end(text);
    };
    state.log.push(`${request.method ?? ''} ${url.pathname}`);
    const content = /^\/v1\/files\/([^/]+)\/content$/.exec(url.pathname);
    const single = /^\/v1\/batches\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'POST' && url.pathname === '/v1/files') {
      const fields = multipartFields(body, String(request.headers['content-type'] ?? ''));
      const file = addFile(fields.get('file')?.value ?? '', fields.get('purpose')?.value ?? '', fields.get('file')?.filename ?? 'upload');
      if (file.purpose !== 'batch') return send(400, { error: { message: `purpose must be batch, got ${file.purpose}`, type: 'invalid_request_error' } });
      return send(200, { id: file.id, object: 'file', bytes: Buffer.byteLength(file.text), created_at: file.createdAt, filename: file.filename, purpose: file.purpose, status: 'processed' });
    }
    if (request.method === 'GET' && content !== null) {
      const file = state.files.find((each) => each.id === content[1]);
      return file === undefined ? send(404, { error: { message: 'no such file', type: 'invalid_request_error' } }) : send(200, file.text, 'application/octet-stream');
    }
    if (request.method === 'POST' && url.pathname === '/v1/batches') {
      const parsed = JSON.parse(body.toString('utf8')) as { input_file_id: string; endpoint: string; completion_window: string; metadata?: Record<string, string> };
      const input = state.files.find((file) => file.id === parsed.input_file_id);
      if (input === undefined || parsed.endpoint !== '/v1/chat/completions' || parsed.completion_window !== '24h') return send(400, { error: { message: 'invalid batch', type: 'invalid_request_error' } });
      const total = input.text.split('\n').filter((line) => line.trim() !== '').length;
      const batch: ScriptedBatch = { id: id('batch_'), inputFileId: input.id, metadata: parsed.metadata ?? null, status: 'validating', retrieves: 0, outputFileId: null, errorFileId: null, createdAt: Math.floor(Date.now() / 1000), endedAt: null, total, completed: 0, failed: 0 };
      state.batches.push(batch);
      return send(200, batchObject(batch));
    }
    if (request.method === 'GET' && single !== null) {
      const batch = state.batches.find((each) => each.id === single[1]);
      if (batch === undefined) return send(404, { error: { message: 'no such batch', type: 'invalid_request_error' } });
      retrieve(batch);
      return send(200, batchObject(batch));
    }
    if (request.method === 'GET' && url.pathname === '/v1/batches') {
      const data = [...state.batches].reverse().map(batchObject);
      return send(200, { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false });
    }
    send(404, { error: { message: `no route ${request.method} ${url.pathname}`, type: 'invalid_request_error' } });
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, Buffer.concat(chunks), response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    script: state.script, files: state.files, batches: state.batches, log: state.log,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
