/**
 * The Batch API calls, on the official openai SDK: upload the input file (purpose "batch"), create
 * the batch, find one created just before a crash (by the metadata we gave it), poll it with backoff,
 * and download its output and error files. The SDK's own retries are off: a create retried blindly
 * could submit twice, so each call here says whether it may be repeated.
 */
import OpenAI, { toFile } from 'openai';
import { backoffDelayMs } from './backoff.js';
import { BATCH_ENDPOINT } from './batch-files.js';

/** The metadata key that ties an upstream batch to its journalled job. */
export const JOB_METADATA_KEY = 'distillery_job';

/** What Distillery reads of a batch object. */
export interface BatchStatus {
  id: string;
  status: string;
  inputFileId: string;
  outputFileId: string | null;
  errorFileId: string | null;
  /** Validation errors of a failed batch, in one line. */
  errors: string | null;
  createdAt: number;
  /** When it reached completed / expired / cancelled / failed (seconds since the epoch), if it did. */
  endedAt: number | null;
  /** The batch's own request counts (`request_counts`), when it reports them. */
  requestCounts: BatchRequestCounts | null;
}

/** How many of a batch's requests have run, as the Batch API counts them. */
export interface BatchRequestCounts {
  total: number;
  completed: number;
  failed: number;
}

/** Statuses after which a batch changes no more. */
export const FINAL_BATCH_STATUSES: ReadonlySet<string> = new Set(['completed', 'expired', 'cancelled', 'failed']);

/** How to reach the Batch API and how patiently to poll it. */
export interface BatchClientOptions {
  baseURL: string;
  apiKey: string;
  /** First wait between polls (ms); it grows by half each poll up to `maxPollIntervalMs`. */
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  /** Attempts of a call that failed on the network or with a 5xx / 429 before giving up. */
  maxRetries: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  timeoutMs?: number;
}

/** Maps the SDK's batch object onto what Distillery keeps. */
function toStatus(batch: OpenAI.Batches.Batch): BatchStatus {
  const ended = batch.completed_at ?? batch.expired_at ?? batch.cancelled_at ?? batch.failed_at ?? null;
  return {
    id: batch.id, status: batch.status, inputFileId: batch.input_file_id, outputFileId: batch.output_file_id ?? null,
    errorFileId: batch.error_file_id ?? null, errors: batch.errors?.data?.map((error) => error.message ?? error.code ?? '').join('; ') || null,
    createdAt: batch.created_at, endedAt: ended,
    requestCounts: batch.request_counts === undefined || batch.request_counts === null ? null : { total: batch.request_counts.total, completed: batch.request_counts.completed, failed: batch.request_counts.failed },
  };
}

/** Whether a failed call may be tried again: the network, a 5xx, a 429. */
function isTransient(error: unknown): boolean {
  if (error instanceof OpenAI.APIConnectionError) return true;
  return error instanceof OpenAI.APIError && (error.status === 429 || (error.status !== undefined && error.status >= 500));
}

/** A thin client over the SDK's files and batches resources. */
export class BatchClient {
  readonly #client: OpenAI;
  readonly #options: BatchClientOptions;

  constructor(options: BatchClientOptions) {
    this.#options = options;
    this.#client = new OpenAI({ baseURL: options.baseURL, apiKey: options.apiKey, maxRetries: 0, timeout: options.timeoutMs ?? 120_000 });
  }

  /** Runs an idempotent call, retrying transient failures with backoff. */
  async #retrying<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isTransient(error) || attempt > this.#options.maxRetries) throw error;
        const retryAfter = error instanceof OpenAI.APIError ? Number(error.headers?.get('retry-after-ms') ?? Number.NaN) : Number.NaN;
        await this.#options.sleep(backoffDelayMs(attempt, this.#options.random, Number.isFinite(retryAfter) ? retryAfter : null));
      }
    }
  }

  /** Uploads a JSONL input file with purpose "batch"; returns its file id. Not retried (a retry could leave a second file, harmless but unused). */
  async upload(jobId: string, text: string): Promise<string> {
    const file = await this.#client.files.create({ file: await toFile(Buffer.from(text, 'utf8'), `distillery-${jobId}.jsonl`, { type: 'application/jsonl' }), purpose: 'batch' });
    return file.id;
  }

  /** Creates the batch over an uploaded file, tagged with the job id. Never retried: see `find`. */
  async create(jobId: string, inputFileId: string): Promise<BatchStatus> {
    return toStatus(await this.#client.batches.create({ input_file_id: inputFileId, endpoint: BATCH_ENDPOINT, completion_window: '24h', metadata: { [JOB_METADATA_KEY]: jobId } }));
  }

  /**
   * The batch an earlier run created for `jobId` (it may have died before journalling the id), if any.
   * Batches are listed newest first, so the scan stops at the first one created before the job was journalled.
   */
  async find(jobId: string, journalledAtMs: number): Promise<BatchStatus | null> {
    const since = Math.floor(journalledAtMs / 1000) - 60;
    return this.#retrying(async () => {
      for await (const batch of this.#client.batches.list({ limit: 100 })) {
        if (batch.metadata?.[JOB_METADATA_KEY] === jobId) return toStatus(batch);
        if (batch.created_at < since) break;
      }
      return null;
    });
  }

  /** The batch's current status. */
  async retrieve(batchId: string): Promise<BatchStatus> {
    return this.#retrying(async () => toStatus(await this.#client.batches.retrieve(batchId)));
  }

  /**
   * Polls until the batch is final, calling `onStatus` whenever its status or request counts change, with
   * the wait before the next poll (null once final); waits grow from pollIntervalMs to maxPollIntervalMs.
   */
  async poll(batchId: string, onStatus: (status: BatchStatus, nextPollMs: number | null) => Promise<void>, shouldStop: () => boolean): Promise<BatchStatus | null> {
    let wait = this.#options.pollIntervalMs;
    let last: string | null = null;
    for (;;) {
      const status = await this.retrieve(batchId);
      const final = FINAL_BATCH_STATUSES.has(status.status);
      const seen = `${status.status} ${JSON.stringify(status.requestCounts)}`;
      if (seen !== last) await onStatus(status, final ? null : wait);
      last = seen;
      if (final) return status;
      if (shouldStop()) return null;
      await this.#options.sleep(wait);
      wait = Math.min(this.#options.maxPollIntervalMs, Math.ceil(wait * 1.5));
    }
  }

  /** The text of an output or error file. */
  async download(fileId: string): Promise<string> {
    return this.#retrying(async () => (await this.#client.files.content(fileId)).text());
  }
}
