/**
 * The conformance suite every Detector runs (one suite per seam, as for Store, Teacher and Student):
 * an unknown key scores 0 with no reasons; scores stay finite and in [0, 1] whatever arrives; memory
 * stops growing once the windows are full; the same traffic gives the same verdicts; and a key's
 * verdict does not depend on other keys (unless the detector exists to compare keys).
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../util/random.js';
import type { Detector, DetectorScore, RequestFeatures } from '../types.js';

/** A clock the detector under test reads; the suite moves it with the traffic. */
export interface TestClock { now: number }

/** How to run the suite for one detector. */
export interface ConformanceOptions {
  /** A fresh detector reading `clock`. */
  make: (clock: TestClock) => Detector;
  /** The detector compares keys with each other by design (its verdict on a key may depend on others). */
  crossKey?: boolean;
}

const WORDS = 'river model garden price engine winter music theory signal planet coffee market language memory bridge forest doctor window history science travel camera paper island number'.split(' ');
const START = Date.UTC(2024, 0, 1);

/** Deterministic mixed traffic, endless: natural-looking prompts, templates, repeats, reasoning asks, logprobs, odd inputs. */
export function* conformanceStream(seed: number, startMs = START): Generator<RequestFeatures> {
  const random = seededRandom(seed);
  const pick = <Item>(items: readonly Item[]): Item => items[Math.floor(random() * items.length)] as Item;
  const sentence = () => Array.from({ length: 4 + Math.floor(random() * 12) }, () => pick(WORDS)).join(' ');
  let at = startMs;
  let previous = sentence();
  for (let index = 0; ; index++) {
    at += Math.floor(random() * 20_000);
    const kind = index % 11;
    const prompt = kind === 0 ? '' : kind === 1 ? previous : kind === 2 ? `Explain ${pick(WORDS)} to a ${pick(['child', 'expert'])} in a ${pick(['short', 'long'])} answer.`
      : kind === 3 ? `Think step by step: ${sentence()}?` : kind === 4 ? 'x'.repeat(20_000) : kind === 5 ? `🙂 naïve café ${sentence()} 中文` : sentence();
    previous = prompt.length < 200 ? prompt : previous;
    yield {
      at, route: '/v1/chat/completions', model: kind === 6 ? null : 'm', prompt, lastMessage: prompt, systemPrompt: kind === 7 ? 'You are terse.' : null,
      messageCount: kind === 8 ? 0 : 1, stream: kind === 9, maxTokens: kind === 3 ? 4096 : null, logprobs: kind === 10, topLogprobs: kind === 10 ? 20 : null,
      temperature: kind === 6 ? 0 : null, n: kind === 3 ? 4 : null,
    };
  }
}

/** The first `count` requests of the stream for `seed`. */
export function conformanceTraffic(seed: number, count: number): RequestFeatures[] {
  const traffic: RequestFeatures[] = [];
  for (const features of conformanceStream(seed)) {
    if (traffic.length === count) break;
    traffic.push(features);
  }
  return traffic;
}

/** Feeds `traffic` for `keyId`, moving the clock; returns the verdict after each request. */
async function feed(detector: Detector, clock: TestClock, keyId: string, traffic: Iterable<RequestFeatures>): Promise<DetectorScore[]> {
  const verdicts: DetectorScore[] = [];
  for (const features of traffic) {
    clock.now = features.at;
    await detector.observe(keyId, features);
    verdicts.push(await detector.score(keyId));
  }
  return verdicts;
}

/** Heap in use after a full collection (V8's gc exposed at run time, so no test-runner flag is needed). */
function heapAfterCollection(): number {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

/** Defines the conformance tests for one detector. */
export function detectorConformance(name: string, options: ConformanceOptions): void {
  describe(`Detector conformance: ${name}`, () => {
    it('scores a key it has never seen 0, with no reasons', async () => {
      const clock = { now: START };
      const detector = options.make(clock);
      expect(await detector.score('never-seen')).toEqual({ score: 0, reasons: [] });
      await feed(detector, clock, 'someone-else', conformanceTraffic(1, 300));
      expect(await detector.score('never-seen')).toEqual({ score: 0, reasons: [] });
    });

    it('keeps every score finite and in [0, 1], with string reasons, whatever arrives', async () => {
      const clock = { now: START };
      const detector = options.make(clock);
      const verdicts = await feed(detector, clock, 'key', conformanceTraffic(2, 1500));
      for (const verdict of verdicts) {
        expect(Number.isFinite(verdict.score)).toBe(true);
        expect(verdict.score).toBeGreaterThanOrEqual(0);
        expect(verdict.score).toBeLessThanOrEqual(1);
        expect(verdict.reasons.every((reason) => typeof reason === 'string' && reason.length > 0)).toBe(true);
      }
      expect(detector.specificationVersion).toBe('v1');
      expect(detector.name).toMatch(/^[a-z][a-z-]*$/);
    });

    it('stops growing in memory once its windows are full', async () => {
      const clock = { now: START };
      const detector = options.make(clock);
      // Streamed, so the test keeps no request alive: what stays on the heap is the detector's.
      const stream = conformanceStream(3);
      const take = function* (count: number): Generator<RequestFeatures> {
        for (let index = 0; index < count; index++) yield stream.next().value as RequestFeatures;
      };
      await feed(detector, clock, 'key', take(4000)).then(() => undefined);
      const warm = heapAfterCollection();
      await feed(detector, clock, 'key', take(12_000)).then(() => undefined);
      // Three times as many requests again: a detector keeping anything per request would grow by megabytes.
      expect(heapAfterCollection() - warm).toBeLessThan(3 * 1024 * 1024);
    });

    it('gives the same verdicts for the same traffic', async () => {
      const traffic = conformanceTraffic(4, 800);
      const runs = await Promise.all([0, 1].map(async () => {
        const clock = { now: START };
        return feed(options.make(clock), clock, 'key', traffic);
      }));
      expect(runs[1]).toEqual(runs[0]);
    });

    it(options.crossKey ? 'still scores a silent key 0 while other keys are busy (it compares keys by design)' : 'judges each key on its own traffic only', async () => {
      const mine = conformanceTraffic(5, 600);
      const alone = { now: START };
      const aloneVerdicts = await feed(options.make(alone), alone, 'mine', mine);
      const clock = { now: START };
      const detector = options.make(clock);
      const others = conformanceTraffic(6, 600);
      const interleaved: DetectorScore[] = [];
      for (const [index, features] of mine.entries()) {
        const other = others[index] as RequestFeatures;
        clock.now = Math.min(features.at, other.at);
        await detector.observe('theirs', other);
        clock.now = features.at;
        await detector.observe('mine', features);
        interleaved.push(await detector.score('mine'));
      }
      if (options.crossKey) expect(await detector.score('silent')).toEqual({ score: 0, reasons: [] });
      else expect(interleaved).toEqual(aloneVerdicts);
    });
  });
}
