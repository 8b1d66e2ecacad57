/**
 * The one test suite every `Store` implementation runs (SQLite now, PostgreSQL later), in the
 * manner of Hono's shared router cases. `open` must return a fresh, empty store each time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InputRecord, Reservation, ResponseRecord, Store } from './types.js';

/** A deterministic input for the suite. */
export function sampleInput(index: number): InputRecord {
  return { id: `input-${index}`, text: `text number ${index}`, gold: index % 2 === 0 ? 'positive' : null, source: `inputs.jsonl:${index + 1}` };
}

/** A deterministic answer for `sampleInput(index)`. */
export function sampleResponse(index: number, overrides: Partial<ResponseRecord> = {}): ResponseRecord {
  return {
    cacheKey: `key-${index}`, inputId: `input-${index}`, model: 'teacher-model', kind: 'label', label: 'positive',
    distribution: [0.7, 0.2, 0.1 + index * 1e-17], tailMass: 0.0125, text: 'positive', inputTokens: 42, outputTokens: 1,
    costUSD: 0.25, latencyMs: 123.5, attempts: 1, createdAt: 1_700_000_000_000 + index, ...overrides,
  };
}

/** A deterministic reservation for `sampleInput(index)`. */
export function sampleReservation(index: number, estimatedUSD = 0.5): Reservation {
  return { cacheKey: `key-${index}`, inputId: `input-${index}`, estimatedUSD, startedAt: 1_700_000_000_000 + index };
}

/** Registers the shared Store conformance suite under `name`. */
export function describeStoreConformance(name: string, open: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('adds inputs once, keeps insertion order and counts them', async () => {
      expect(await store.addInputs([sampleInput(2), sampleInput(0), sampleInput(1)])).toBe(3);
      expect(await store.addInputs([sampleInput(0), sampleInput(3), { ...sampleInput(1), text: 'changed' }])).toBe(1);
      expect(await store.countInputs()).toBe(4);
      const listed = await store.listInputs();
      expect(listed.map((input) => input.id)).toEqual(['input-2', 'input-0', 'input-1', 'input-3']);
      expect(listed[2]).toEqual(sampleInput(1));
      expect(listed[1]?.gold).toBe('positive');
      expect(listed[2]?.gold).toBeNull();
    });

    it('round-trips answers exactly, distributions included', async () => {
      await store.addInputs([sampleInput(0), sampleInput(1)]);
      expect(await store.getResponse('key-0')).toBeUndefined();
      const label = sampleResponse(0, { distribution: [1 / 3, 0.1 + 0.2, Number.MIN_VALUE, 0] });
      const junk = sampleResponse(1, { kind: 'junk', label: null, distribution: null, tailMass: null, text: 'I cannot say', attempts: 3 });
      await store.commitResponse(label);
      await store.commitResponse(junk);
      expect(await store.getResponse('key-0')).toEqual(label);
      expect(await store.getResponse('key-1')).toEqual(junk);
      expect((await store.listResponses()).map((response) => response.cacheKey).sort()).toEqual(['key-0', 'key-1']);
    });

    it('keeps the teacher completion, raw response included, exactly as committed', async () => {
      await store.addInputs([sampleInput(0), sampleInput(1)]);
      const completion = {
        text: ' positive', finishReason: 'stop' as const, rawFinishReason: 'stop', responseId: 'chatcmpl-1', warnings: ['a warning'],
        tokens: [{ token: ' positive', logprob: -0.1, bytes: [32, 112], topLogprobs: [{ token: ' positive', logprob: -0.1 }, { token: ' negative', logprob: -2.5 }] }],
        usage: { inputTokens: 42, outputTokens: 9, reasoningTokens: 8, estimated: false },
        raw: { id: 'chatcmpl-1', choices: [{ message: { content: ' positive' }, finish_reason: 'stop' }], nested: { unicode: 'é ✓', nothing: null } },
      };
      await store.commitResponse(sampleResponse(0, { completion }));
      await store.commitResponse(sampleResponse(1));
      expect((await store.getResponse('key-0'))?.completion).toEqual(completion);
      expect((await store.listResponses()).find((response) => response.cacheKey === 'key-0')?.completion).toEqual(completion);
      // An answer committed without one (stored before completions were kept) reads back without one.
      expect((await store.getResponse('key-1'))?.completion ?? null).toBeNull();
    });

    it('commits an answer and clears its reservation together', async () => {
      await store.addInputs([sampleInput(0)]);
      await store.reserve(sampleReservation(0, 0.5));
      expect(await store.listReservations()).toEqual([sampleReservation(0, 0.5)]);
      expect(await store.ledger()).toEqual({ committedUSD: 0, orphanedUSD: 0, reservedUSD: 0.5 });
      await store.commitResponse(sampleResponse(0, { costUSD: 0.25 }));
      expect(await store.listReservations()).toEqual([]);
      expect(await store.ledger()).toEqual({ committedUSD: 0.25, orphanedUSD: 0, reservedUSD: 0 });
    });

    it('keeps the reservation when the commit fails (nothing half-written)', async () => {
      await store.addInputs([sampleInput(0)]);
      await store.reserve(sampleReservation(0));
      await expect(store.commitResponse(sampleResponse(0, { inputId: 'not-an-input' }))).rejects.toThrow();
      expect(await store.listReservations()).toEqual([sampleReservation(0)]);
      expect(await store.getResponse('key-0')).toBeUndefined();
    });

    it('never stores two answers for one request key', async () => {
      await store.addInputs([sampleInput(0)]);
      await store.commitResponse(sampleResponse(0, { label: 'first' }));
      await expect(store.commitResponse(sampleResponse(0, { label: 'second' }))).rejects.toThrow();
      expect((await store.getResponse('key-0'))?.label).toBe('first');
      expect(await store.listResponses()).toHaveLength(1);
    });

    it('refuses a second reservation of a request already in flight', async () => {
      await store.addInputs([sampleInput(0)]);
      await store.reserve(sampleReservation(0));
      await expect(store.reserve(sampleReservation(0))).rejects.toThrow();
      expect(await store.listReservations()).toHaveLength(1);
    });

    it('releases failed calls, recording what they still cost as spent', async () => {
      await store.addInputs([sampleInput(0), sampleInput(1)]);
      await store.reserve(sampleReservation(0, 0.5));
      await store.reserve(sampleReservation(1, 0.5));
      await store.releaseReservation('key-0', 0);
      await store.releaseReservation('key-1', 0.125);
      expect(await store.listReservations()).toEqual([]);
      expect(await store.ledger()).toEqual({ committedUSD: 0.125, orphanedUSD: 0, reservedUSD: 0 });
      await expect(store.releaseReservation('key-1', -1)).rejects.toThrow();
    });

    it('journals possibly billed attempts on the ledger, keeping the reservation until one is final', async () => {
      await store.addInputs([sampleInput(0), sampleInput(1)]);
      await store.reserve(sampleReservation(0, 0.5));
      const timedOut = { cacheKey: 'key-0', inputId: 'input-0', billedUSD: 0.5, basis: 'worst-case' as const, final: false, reason: 'timed out', recordedAt: 1 };
      await store.recordBilledAttempt(timedOut);
      expect(await store.listReservations()).toEqual([sampleReservation(0, 0.5)]);
      expect(await store.ledger()).toEqual({ committedUSD: 0.5, orphanedUSD: 0, reservedUSD: 0.5 });
      const unusable = { ...timedOut, billedUSD: 0.125, basis: 'reported-usage' as const, final: true, reason: 'not JSON', recordedAt: 2 };
      await store.recordBilledAttempt(unusable);
      expect(await store.listReservations()).toEqual([]);
      expect(await store.ledger()).toEqual({ committedUSD: 0.625, orphanedUSD: 0, reservedUSD: 0 });
      await store.reserve(sampleReservation(1, 0.5));
      await store.releaseReservation('key-1', 0.25);
      expect(await store.listBilledAttempts()).toEqual([
        timedOut, unusable, { cacheKey: 'key-1', inputId: 'input-1', billedUSD: 0.25, basis: 'worst-case', final: false, reason: '', recordedAt: expect.any(Number) },
      ]);
      await expect(store.recordBilledAttempt({ ...timedOut, billedUSD: Number.NaN })).rejects.toThrow();
    });

    it('commits an answer after journalled attempts without counting them twice', async () => {
      await store.addInputs([sampleInput(0)]);
      await store.reserve(sampleReservation(0, 0.5));
      await store.recordBilledAttempt({ cacheKey: 'key-0', inputId: 'input-0', billedUSD: 0.5, basis: 'worst-case', final: false, reason: 'timed out', recordedAt: 1 });
      await store.commitResponse(sampleResponse(0, { costUSD: 0.25, attempts: 2 }));
      expect(await store.ledger()).toEqual({ committedUSD: 0.75, orphanedUSD: 0, reservedUSD: 0 });
    });

    it('moves leftover reservations to the orphaned ledger, once', async () => {
      await store.addInputs([sampleInput(0), sampleInput(1), sampleInput(2)]);
      await store.reserve(sampleReservation(0, 0.5));
      await store.reserve(sampleReservation(1, 0.25));
      await store.reserve(sampleReservation(2, 0.125));
      await store.commitResponse(sampleResponse(2, { costUSD: 0.0625 }));
      const abandoned = await store.abandonReservations();
      expect(abandoned.map((call) => call.cacheKey).sort()).toEqual(['key-0', 'key-1']);
      expect(abandoned.find((call) => call.cacheKey === 'key-1')).toEqual(sampleReservation(1, 0.25));
      expect(await store.listReservations()).toEqual([]);
      expect(await store.ledger()).toEqual({ committedUSD: 0.0625, orphanedUSD: 0.75, reservedUSD: 0 });
      expect(await store.abandonReservations()).toEqual([]);
      expect((await store.ledger()).orphanedUSD).toBe(0.75);
      // The orphaned request can be made again later (the next run retries it).
      await store.reserve(sampleReservation(0, 0.5));
      await store.commitResponse(sampleResponse(0, { costUSD: 0.25 }));
      expect(await store.ledger()).toEqual({ committedUSD: 0.3125, orphanedUSD: 0.75, reservedUSD: 0 });
    });

    it('handles many concurrent reservations and commits without losing one', async () => {
      const count = 64;
      await store.addInputs(Array.from({ length: count }, (_, index) => sampleInput(index)));
      await Promise.all(Array.from({ length: count }, async (_, index) => {
        await store.reserve(sampleReservation(index, 1));
        await store.commitResponse(sampleResponse(index, { costUSD: 0.5 }));
      }));
      expect(await store.listResponses()).toHaveLength(count);
      expect(await store.ledger()).toEqual({ committedUSD: count * 0.5, orphanedUSD: 0, reservedUSD: 0 });
    });

    it('replaces splits as a whole and keeps their order', async () => {
      await store.addInputs([sampleInput(0), sampleInput(1), sampleInput(2)]);
      await store.saveSplits([
        { inputId: 'input-2', split: 'test', duplicateOf: null },
        { inputId: 'input-0', split: 'train', duplicateOf: null },
        { inputId: 'input-1', split: 'train', duplicateOf: 'input-0' },
      ]);
      expect((await store.listSplits()).map((assignment) => assignment.inputId)).toEqual(['input-2', 'input-0', 'input-1']);
      await store.saveSplits([{ inputId: 'input-1', split: 'val', duplicateOf: null }]);
      expect(await store.listSplits()).toEqual([{ inputId: 'input-1', split: 'val', duplicateOf: null }]);
    });

    it('journals batch jobs by id, counting the reservation of those not done on the ledger', async () => {
      const job = {
        id: 'job-1', state: 'prepared' as const, batchId: null, inputFileId: null, outputFileId: null, errorFileId: null, status: null,
        reservedUSD: 0.25, requests: [{ customId: 'r-0', cacheKey: 'key-0', inputId: 'input-0' }], createdAt: 1, updatedAt: 1,
      };
      await store.saveBatchJob(job);
      expect((await store.ledger()).reservedUSD).toBeCloseTo(0.25, 12);
      await store.saveBatchJob({ ...job, state: 'submitted', batchId: 'batch_1', inputFileId: 'file-1', status: 'validating', updatedAt: 2 });
      expect(await store.listBatchJobs()).toEqual([{ ...job, state: 'submitted', batchId: 'batch_1', inputFileId: 'file-1', status: 'validating', updatedAt: 2 }]);
      await store.saveBatchJob({ ...job, state: 'done', updatedAt: 3 });
      expect((await store.ledger()).reservedUSD).toBe(0);
      expect(await store.listBatchJobs()).toHaveLength(1);
    });

    it('keeps small key/value state', async () => {
      expect(await store.getState('collect.done')).toBeUndefined();
      await store.setState('collect.done', 'yes');
      await store.setState('collect.done', 'no');
      await store.setState('empty', '');
      expect(await store.getState('collect.done')).toBe('no');
      expect(await store.getState('empty')).toBe('');
    });
  });
}
