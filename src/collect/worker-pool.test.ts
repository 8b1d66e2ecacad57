import { describe, expect, it } from 'vitest';
import { runPool } from './worker-pool.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('runPool', () => {
  it('runs every item with at most `concurrency` at work', async () => {
    let working = 0;
    let most = 0;
    const done: number[] = [];
    await runPool([...Array(20).keys()], 3, async (item) => {
      working++;
      most = Math.max(most, working);
      for (let step = 0; step < 1 + (item % 3); step++) await tick();
      working--;
      done.push(item);
    });
    expect(done.sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
    expect(most).toBe(3);
  });

  it('lets a paused item give up its slot, and gives it one back before any new item starts', async () => {
    const log: string[] = [];
    let endWait: () => void = () => {};
    const waitOver = new Promise<void>((resolve) => { endWait = resolve; });
    await runPool([0, 1, 2], 1, async (item, worker) => {
      log.push(`start ${item}`);
      if (item === 0) {
        await worker.pause(() => waitOver);
        log.push('resume 0');
      }
      if (item === 1) {
        // The wait ends while item 1 holds the only slot: item 0 must wait for it, then go before item 2.
        endWait();
        await tick();
        await tick();
      }
      log.push(`end ${item}`);
    });
    expect(log).toEqual(['start 0', 'start 1', 'end 1', 'resume 0', 'end 0', 'start 2', 'end 2']);
  });

  it('keeps the slot while pausing once `maxPaused` calls already wait', async () => {
    const log: string[] = [];
    let endWait: () => void = () => {};
    const waitOver = new Promise<void>((resolve) => { endWait = resolve; });
    const finished = runPool([0, 1], 1, async (item, worker) => {
      log.push(`start ${item}`);
      if (item === 0) await worker.pause(() => waitOver);
      log.push(`end ${item}`);
    }, { maxPaused: 0 });
    await tick();
    expect(log).toEqual(['start 0']);
    endWait();
    await finished;
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1']);
  });

  it('runs every item when a paused call comes back while its stand-in is still committing (no two workers retire at once)', async () => {
    let endWait: () => void = () => {};
    const waitOver = new Promise<void>((resolve) => { endWait = resolve; });
    const done: number[] = [];
    await runPool([0, 1, 2, 3], 1, async (item, worker) => {
      if (item === 0) await worker.pause(() => waitOver);
      if (item === 2) endWait();
      done.push(item);
      // As the collector does: the answer's commit is left running when the item's work returns.
      worker.committing = (async () => {
        for (let step = 0; step < 3; step++) await tick();
      })();
    });
    expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
  });
});
