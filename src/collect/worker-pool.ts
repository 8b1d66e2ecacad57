/**
 * The collector's workers. At most `concurrency` calls are being worked on at once (each holds a
 * slot); a call told to wait (a 429's retry-after) can `pause`, giving its slot up while it waits,
 * so another worker sends meanwhile instead of the whole pool idling behind one refusal. When it is
 * done waiting, it takes the next free slot before any new call does.
 */

/** One worker of the pool: the commit of its latest answer, which its next call waits for before it is sent. */
export interface WorkerState {
  committing: Promise<void>;
  /** Runs `wait` without holding a slot (another worker takes it meanwhile); resolves once this call holds a slot again. */
  pause(wait: () => Promise<void>): Promise<void>;
}

/** A counting semaphore whose returning holders go before new ones. */
class Slots {
  #free: number;
  readonly #returning: Array<() => void> = [];
  readonly #starting: Array<() => void> = [];

  constructor(count: number) {
    this.#free = count;
  }

  acquire(returning: boolean): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => (returning ? this.#returning : this.#starting).push(resolve));
  }

  release(): void {
    const next = this.#returning.shift() ?? this.#starting.shift();
    if (next) next();
    else this.#free++;
  }
}

/** How many calls may wait without a slot; beyond that a waiting call keeps its slot, as before. */
export interface PoolOptions {
  maxPaused?: number;
}

/**
 * Runs `work` over `items` with at most `concurrency` at a time, starting a worker in place of each
 * paused call; resolves once every worker's last commit has landed.
 */
export async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T, worker: WorkerState) => Promise<void>, options: PoolOptions = {}): Promise<void> {
  const maxPaused = options.maxPaused ?? concurrency * 8;
  const slots = new Slots(concurrency);
  const finished: Array<Promise<void>> = [];
  let next = 0;
  let workers = 0;
  let paused = 0;

  const pause = async (wait: () => Promise<void>): Promise<void> => {
    if (paused >= maxPaused) return wait();
    paused++;
    slots.release();
    if (workers - paused < concurrency && next < items.length) start();
    try {
      await wait();
    } finally {
      paused--;
      await slots.acquire(true);
    }
  };

  const worker = async (): Promise<void> => {
    const state: WorkerState = { committing: Promise.resolve(), pause };
    try {
      // A worker started for a paused call retires once that call is back, so the pool shrinks again.
      while (next < items.length && workers - paused <= concurrency) {
        await slots.acquire(false);
        if (next >= items.length) {
          slots.release();
          break;
        }
        const item = items[next++] as T;
        try {
          await work(item, state);
        } finally {
          slots.release();
        }
      }
    } finally {
      // Counted out the moment it leaves the loop, before waiting for its last commit: otherwise two
      // workers could both see one too many and both retire, leaving items nobody takes.
      workers--;
    }
    await state.committing;
  };

  function start(): void {
    workers++;
    finished.push(worker());
  }

  for (let index = 0; index < Math.min(concurrency, items.length); index++) start();
  // Workers started later are pushed onto `finished` while we wait; wait until no more appear.
  let waited = 0;
  while (waited < finished.length) {
    const batch = finished.slice(waited);
    waited = finished.length;
    await Promise.all(batch);
  }
}
