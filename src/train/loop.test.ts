import { describe, expect, it } from 'vitest';
import { runEpochLoop, type EpochHooks } from './loop.js';

/** A fake model whose validation losses are scripted; records which epoch's weights are live. */
function scripted(losses: number[]): EpochHooks & { live: number; best: number; calls: string[] } {
  const state = { live: 0, best: 0, calls: [] as string[] };
  return Object.assign(state, {
    trainEpoch: (epoch: number) => { state.live = epoch; return { loss: 1, examples: 10, tokens: 100 }; },
    validate: () => ({ loss: losses[state.live - 1] ?? Infinity, agreement: 0.5 }),
    saveBest: () => { state.best = state.live; state.calls.push(`save ${state.live}`); },
    restoreBest: () => { state.live = state.best; state.calls.push(`restore ${state.best}`); },
  });
}

describe('runEpochLoop', () => {
  it('stops after `patience` epochs without improvement and restores the best', () => {
    const model = scripted([5, 4, 3, 3.5, 3.2, 1]);
    const result = runEpochLoop({ epochs: 10, patience: 2 }, model);
    expect(result.bestEpoch).toBe(3);
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochs.map((epoch) => epoch.improved)).toEqual([true, true, true, false, false]);
    expect(model.live).toBe(3);
    expect(result.examples).toBe(50);
    expect(result.tokens).toBe(500);
  });

  it('runs every epoch when the loss keeps improving and does not restore needlessly', () => {
    const model = scripted([3, 2, 1]);
    const result = runEpochLoop({ epochs: 3, patience: 1 }, model);
    expect(result).toMatchObject({ bestEpoch: 3, stoppedEarly: false });
    expect(model.calls).toEqual(['save 1', 'save 2', 'save 3']);
  });

  it('never keeps a NaN epoch and reports each epoch', () => {
    const model = scripted([2, Number.NaN, Number.NaN]);
    const seen: number[] = [];
    const result = runEpochLoop({ epochs: 3, patience: 5, onEpoch: (report) => seen.push(report.epoch) }, model);
    expect(result.bestEpoch).toBe(1);
    expect(model.live).toBe(1);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('throws when aborted', () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    expect(() => runEpochLoop({ epochs: 3, patience: 1, signal: controller.signal }, scripted([1]))).toThrow('stop');
  });
});
