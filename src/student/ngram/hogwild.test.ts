import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { SYNTHETIC_LABELS, syntheticExamples, testSettings } from '../synthetic-task.js';
import { chunkSize } from './hogwild-shard.js';
import { AUTO_THREADS_MIN_FEATURES, defaultThreads, idleWorkerCount } from './hogwild.js';
import { createNgramStudent } from './ngram-student.js';

const agreement = (threads: number): number => {
  const student = createNgramStudent([...SYNTHETIC_LABELS], testSettings({ threads, epochs: 8, patience: 8 }));
  student.fit(syntheticExamples(1200, 1), syntheticExamples(300, 2));
  const test = syntheticExamples(400, 3);
  return test.filter((example) => student.predict(example.text).index === example.label).length / test.length;
};

describe('n-gram student, Hogwild training over worker_threads (student.threads)', () => {
  it('2 and 3 threads reach about the single-thread agreement on a held-out synthetic set', () => {
    const single = agreement(1);
    expect(single).toBeGreaterThan(0.8);
    for (const threads of [2, 3]) expect(Math.abs(agreement(threads) - single)).toBeLessThan(0.05);
  }, 60_000);

  it('threads: 1 stays bit-for-bit deterministic (two fits, identical files up to the timestamp)', () => {
    const weightsOf = (): number[] => {
      const student = createNgramStudent([...SYNTHETIC_LABELS], testSettings({ threads: 1, epochs: 3 }));
      student.fit(syntheticExamples(200, 1), syntheticExamples(50, 2));
      return Array.from(student.predict('goal chord the oven').probabilities);
    };
    expect(weightsOf()).toEqual(weightsOf());
  });

  it('an unset student.threads is the core count on large sets (at most 16) and 1 on small ones', () => {
    expect(defaultThreads(AUTO_THREADS_MIN_FEATURES - 1)).toBe(1);
    expect(defaultThreads(AUTO_THREADS_MIN_FEATURES)).toBe(Math.min(16, os.availableParallelism()));
  });

  it('threads take chunks small enough to share an epoch, never empty', () => {
    expect(chunkSize(10, 2)).toBe(8);
    expect(chunkSize(100_000, 2)).toBe(512);
    expect(chunkSize(4790, 2)).toBe(75);
  });

  it('keeps its workers for the next fit instead of starting new ones', () => {
    const fit = (threads: number): void => {
      createNgramStudent([...SYNTHETIC_LABELS], testSettings({ threads, epochs: 2 })).fit(syntheticExamples(200, 1), syntheticExamples(50, 2));
    };
    fit(3);
    const idle = idleWorkerCount();
    expect(idle).toBeGreaterThanOrEqual(2);
    fit(2);
    fit(3);
    expect(idleWorkerCount()).toBe(idle);
  }, 30_000);
});
