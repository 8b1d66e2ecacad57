/**
 * A per-call deadline shared by the providers: an SDK's own timeout stops at the response headers,
 * so a server that stalls the body would hang forever; this signal also covers reading the body.
 */

/** A deadline that also follows the caller's signal; `timedOut` tells which one fired. */
export class CallDeadline {
  readonly controller = new AbortController();
  timedOut = false;
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly onCallerAbort = (): void => this.controller.abort();

  constructor(timeoutMs: number, private readonly callerSignal: AbortSignal | undefined) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, timeoutMs);
    if (callerSignal?.aborted === true) this.controller.abort();
    callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get cancelled(): boolean {
    return this.callerSignal?.aborted === true;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }
}
