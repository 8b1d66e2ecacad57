/**
 * One job on a new worker thread, for work of seconds to minutes that must not hold up the main thread
 * (the route's background retrains): the caller hands the job's data over as `workerData`, the worker
 * posts one result back, or the message of what it threw, and is ended.
 */
import { parentPort, Worker } from 'node:worker_threads';
import { workerSource } from './worker-source.js';

/** What a job's worker posts back. */
type JobReply<Result> = { ok: true; result: Result } | { ok: false; message: string };

/**
 * Runs the worker module `name` (no extension, beside the module at `callerURL`) on `data` and resolves
 * with its result; rejects with `${what} failed: …` (the worker's message) or `${what}'s worker exited with code N`.
 */
export function runWorkerJob<Result>(callerURL: string, name: string, data: unknown, what: string): Promise<Result> {
  const { source, eval: evaluate } = workerSource(callerURL, name);
  const worker = new Worker(source, { workerData: data, eval: evaluate });
  return new Promise<Result>((resolve, reject) => {
    worker.once('message', (message: JobReply<Result>) => {
      void worker.terminate();
      if (message.ok) resolve(message.result);
      else reject(new Error(`${what} failed: ${message.message}`));
    });
    worker.once('error', (error) => reject(new Error(`${what} failed: ${error.message}`)));
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${what}'s worker exited with code ${code}`));
    });
  });
}

/** The worker's side of `runWorkerJob`: posts what `job` returns, or the message of what it throws. */
export async function replyWithResult<Result>(job: () => Result | Promise<Result>): Promise<void> {
  try {
    const reply: JobReply<Result> = { ok: true, result: await job() };
    parentPort?.postMessage(reply);
  } catch (error) {
    const reply: JobReply<Result> = { ok: false, message: error instanceof Error ? error.message : String(error) };
    parentPort?.postMessage(reply);
  }
}
