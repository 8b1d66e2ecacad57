/**
 * The one test suite every `ObservationBus` runs (in-process, Redis). `open` returns two buses as
 * two replicas would hold them (the in-process one: the same instance twice), on a fresh channel.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asksReasoning } from './detectors/elicitation-detector.js';
import { sketchOf } from './detectors/prompt-sketch.js';
import type { ObservationBus } from './observation-bus.js';
import type { RequestFeatures } from './types.js';

/** Two replicas' buses and how to release them. */
export interface BusPair {
  a: ObservationBus;
  b: ObservationBus;
  close(): Promise<void>;
}

/** Features with every field set, so a lossy transport shows. */
export function sampleFeatures(at: number, prompt = `prompt ${at}`): RequestFeatures {
  return { at, route: '/v1/chat/completions', model: 'm', prompt, messageCount: 2, stream: true, maxTokens: 7, logprobs: true, topLogprobs: 5, temperature: 0.25 };
}

/**
 * What the detectors see of a request: its fields other than text, the sketch of its new text and the
 * reasoning flag read from it. A bus may deliver another replica's request without its text, but
 * never with a different view.
 */
export function detectorView(features: RequestFeatures): Record<string, unknown> {
  const { prompt: _prompt, lastMessage: _lastMessage, systemPrompt: _systemPrompt, ...rest } = features;
  const sketch = sketchOf(features);
  return {
    ...rest, exactHash: sketch.exactHash, signature: [...sketch.signature], wordCount: sketch.words.length,
    vector: [[...sketch.vector.indices], [...sketch.vector.values]], topicVector: [[...sketch.topicVector.indices], [...sketch.topicVector.values]],
    contentWords: [...sketch.contentWords], bigrams: [...sketch.bigrams], wordPairs: [...sketch.wordPairs], asksReasoning: asksReasoning(features),
  };
}

/** A subscriber that records what reaches it. */
function recorder(bus: ObservationBus): { seen: Array<[string, RequestFeatures]>; stop: () => void } {
  const seen: Array<[string, RequestFeatures]> = [];
  const stop = bus.subscribe((keyId, features) => void seen.push([keyId, features]));
  return { seen, stop };
}

/** Registers the shared ObservationBus conformance suite under `name`. */
export function describeObservationBusConformance(name: string, open: () => Promise<BusPair>): void {
  describe(`ObservationBus conformance: ${name}`, () => {
    let pair: BusPair;
    beforeEach(async () => {
      pair = await open();
    });
    afterEach(async () => {
      await pair.close();
    });

    it('has the publisher\'s own subscribers see an observation before publish resolves', async () => {
      const own = recorder(pair.a);
      await pair.a.publish('key_a', sampleFeatures(1));
      expect(own.seen).toEqual([['key_a', sampleFeatures(1)]]);
    });

    it('delivers every observation from either replica to every subscriber exactly once, intact', async () => {
      const [onA, onB] = [recorder(pair.a), recorder(pair.b)];
      for (let index = 0; index < 20; index += 1) await (index % 2 === 0 ? pair.a : pair.b).publish(`key_${index % 3}`, sampleFeatures(index));
      // A last observation from each side: once both arrive everywhere, everything sent before them has too.
      await pair.a.publish('key_end', sampleFeatures(100));
      await pair.b.publish('key_end', sampleFeatures(101));
      const ends = (seen: Array<[string, RequestFeatures]>) => seen.filter(([keyId]) => keyId === 'key_end').length;
      await expect.poll(() => [ends(onA.seen), ends(onB.seen)], { timeout: 5000, interval: 5 }).toEqual([2, 2]);
      for (const seen of [onA.seen, onB.seen]) {
        expect(seen).toHaveLength(22);
        expect(seen.map(([, features]) => features.at).sort((x, y) => x - y)).toEqual([...Array.from({ length: 20 }, (_, index) => index), 100, 101]);
        const [keyId, features] = seen.find(([, observed]) => observed.at === 7) ?? [];
        expect(keyId).toBe('key_1');
        expect(detectorView(features as RequestFeatures)).toEqual(detectorView(sampleFeatures(7)));
      }
    });

    it('gives the other replica\'s detectors the same view of a request as the publisher\'s', async () => {
      const onB = recorder(pair.b);
      const rich: RequestFeatures = {
        ...sampleFeatures(5, 'You are terse.\nQ1\nexplain your reasoning step by step: is the café open on Sundays, and why?'), n: 3,
        systemPrompt: 'You are terse.', lastMessage: 'explain your reasoning step by step: is the café open on Sundays, and why?',
      };
      await pair.a.publish('key_rich', rich);
      await expect.poll(() => onB.seen.length, { timeout: 5000, interval: 5 }).toBe(1);
      const [[, delivered]] = onB.seen as [[string, RequestFeatures]];
      expect(detectorView(delivered)).toEqual(detectorView(rich));
      expect(detectorView(delivered).asksReasoning).toBe(true);
    });

    it('stops delivering to a subscriber that left', async () => {
      const [left, stayed] = [recorder(pair.a), recorder(pair.a)];
      left.stop();
      await pair.b.publish('key_b', sampleFeatures(1));
      await expect.poll(() => stayed.seen.length, { timeout: 5000, interval: 5 }).toBe(1);
      expect(left.seen).toEqual([]);
    });

    it('can be closed twice', async () => {
      await pair.a.close();
      await pair.a.close();
    });
  });
}
