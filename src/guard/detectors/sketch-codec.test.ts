import { describe, expect, it } from 'vitest';
import { decodeRemoteView, encodeRemoteView } from './sketch-codec.js';
import { sketchText } from './prompt-sketch.js';
import { attachRemoteView } from './remote-view.js';
import { elicitationFlags } from './elicitation-detector.js';
import type { RequestFeatures } from '../types.js';

/** Features carrying `text` as their only message. */
function featuresOf(text: string): RequestFeatures {
  return { at: 1, route: '/v1/chat/completions', model: 'm', prompt: text, messageCount: 1, stream: false, maxTokens: null, logprobs: false, topLogprobs: null, temperature: null };
}

describe('the text-free form of an observation', () => {
  const texts = ['Classify the sentiment of: "the café was lovely, I\'d go again"', 'x', '', 'Think step by step. '.repeat(40), 'word '.repeat(500)];

  it('rebuilds every field detectors use, identical to sketching the text, without the text', () => {
    for (const text of texts) {
      const view = decodeRemoteView(encodeRemoteView(featuresOf(text)));
      const original = sketchText(text);
      expect(view).not.toBeNull();
      const { text: rebuiltText, words, ...rebuilt } = view?.sketch ?? sketchText('unreachable');
      const { text: _text, words: originalWords, ...expected } = original;
      expect(rebuilt).toEqual(expected);
      expect(words).toHaveLength(originalWords.length);
      expect(rebuiltText).toBe('');
      expect(words.join('')).toBe('');
    }
  });

  it('keeps the reasoning flag read where the text was, and the elicitation detector uses it', () => {
    const asking = featuresOf('please think step by step before answering');
    const encoded = encodeRemoteView(asking);
    expect(encoded.asksReasoning).toBe(true);
    const remote = { ...asking, prompt: '' };
    attachRemoteView(remote, decodeRemoteView(encoded) ?? { sketch: sketchText(''), asksReasoning: false });
    expect(elicitationFlags(remote)).toBe(elicitationFlags(asking));
    expect(elicitationFlags({ ...asking, prompt: '' })).not.toBe(elicitationFlags(asking));
  });

  it('refuses bytes not shaped like a sketch', () => {
    expect(decodeRemoteView({ sketch: 'AAAA', asksReasoning: false })).toBeNull();
    const good = encodeRemoteView(featuresOf('a few words here')).sketch;
    expect(decodeRemoteView({ sketch: Buffer.from(good, 'base64').subarray(0, -1).toString('base64'), asksReasoning: false })).toBeNull();
  });
});
