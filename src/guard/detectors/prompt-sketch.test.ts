import { describe, expect, it } from 'vitest';
import { requestFeatures } from '../gateway-request.js';
import { KeyedState } from './keyed-state.js';
import { estimatedJaccard, sketchOf, sketchText } from './prompt-sketch.js';
import { RingWindow } from './ring-window.js';
import { dot, squaredNorm } from './sparse-vector.js';
import { request } from './test-traffic.js';

describe('prompt sketch', () => {
  it('reads what the gateway extracts: the newest message apart, the system message apart, n', () => {
    const features = requestFeatures('/v1/chat/completions', {
      model: 'm', n: 3, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'first' }, { role: 'assistant', content: 'answer' }, { role: 'user', content: [{ type: 'text', text: 'follow-up' }] }],
    }, 5);
    expect(features).toMatchObject({ prompt: 'Be brief.\nfirst\nanswer\nfollow-up', lastMessage: 'follow-up', systemPrompt: 'Be brief.', messageCount: 4, n: 3 });
    expect(sketchOf(features).text).toBe('follow-up');
    expect(requestFeatures('/v1/completions', { prompt: 'complete me' }, 5)).toMatchObject({ lastMessage: 'complete me', systemPrompt: null, n: null });
  });


  it('is computed once per request, from the newest message', () => {
    const features = request(0, 'an old question\na new question', { lastMessage: 'a new question' });
    expect(sketchOf(features)).toBe(sketchOf(features));
    expect(sketchOf(features).text).toBe('a new question');
  });

  it('estimates Jaccard similarity: 1 for the same text, high for a small edit, low for unrelated text', () => {
    const a = sketchText('How do I bake sourdough bread at home without a mixer?');
    expect(estimatedJaccard(a.signature, sketchText('how do I bake   sourdough bread at home without a mixer?').signature)).toBe(1);
    expect(estimatedJaccard(a.signature, sketchText('How can I bake sourdough bread at home without a stand mixer?').signature)).toBeGreaterThan(0.5);
    expect(estimatedJaccard(a.signature, sketchText('The committee adopted the resolution without a vote.').signature)).toBeLessThan(0.2);
  });

  it('makes unit vectors, with content words apart from stopwords', () => {
    const sketch = sketchText('The cat and the dog are friends with the cat');
    expect(squaredNorm(sketch.vector)).toBeCloseTo(1, 5);
    expect(squaredNorm(sketch.topicVector)).toBeCloseTo(1, 5);
    expect(sketch.contentWords.length).toBe(3);
    expect(dot(sketch.topicVector, sketchText('cat dog friends').topicVector)).toBeGreaterThan(0.9);
    expect(squaredNorm(sketchText('the and of').topicVector)).toBe(0);
  });

  it('costs the same for a huge prompt as for a long one (only the start is sketched)', () => {
    const huge = sketchText('word '.repeat(100_000));
    expect(huge.text.length).toBeLessThanOrEqual(1000);
    expect(huge.words.length).toBeLessThanOrEqual(200);
  });
});

describe('RingWindow and KeyedState', () => {
  it('keeps the newest items and returns the one pushed out', () => {
    const window = new RingWindow<number>(3);
    expect([1, 2, 3, 4, 5].map((item) => window.push(item))).toEqual([undefined, undefined, undefined, 1, 2]);
    expect([...window]).toEqual([3, 4, 5]);
    expect(window.at(0)).toBe(3);
  });

  it('forgets the least recently used key beyond the cap; peeking does not refresh a key', () => {
    const states = new KeyedState<number>(2);
    states.touch('a', () => 1);
    states.touch('b', () => 2);
    states.peek('a');
    states.touch('c', () => 3);
    expect([states.peek('a'), states.peek('b'), states.peek('c')]).toEqual([undefined, 2, 3]);
    expect(states.size).toBe(2);
  });
});
