import { describe, expect, it } from 'vitest';
import { SseUsageRelay } from './usage-tap.js';

/** Feeds `chunks` through a relay and returns what it passed on, plus the usage it noted. */
function relay(chunks: readonly Buffer[], dropUsageChunk = false): { text: string; usage: SseUsageRelay['usage'] } {
  const tap = new SseUsageRelay(dropUsageChunk);
  let text = '';
  for (const chunk of chunks) text += tap.push(chunk);
  text += tap.flush();
  return { text, usage: tap.usage };
}

const usageEvent = (ending: string): string => `data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}}${ending}${ending}`;

describe('SseUsageRelay', () => {
  it('keeps a character split across two upstream chunks whole', () => {
    const event = Buffer.from('data: {"choices":[{"index":0,"delta":{"content":"€"}}]}\n\n');
    const cut = event.indexOf(0xe2) + 1;
    expect(relay([event.subarray(0, cut), event.subarray(cut)]).text).toBe(event.toString('utf8'));
  });

  it('passes CRLF streams on byte for byte and still reads their usage', () => {
    const stream = `data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\r\n\r\n${usageEvent('\r\n')}data: [DONE]\r\n\r\n`;
    const bytes = Buffer.from(stream);
    const result = relay([bytes.subarray(0, 30), bytes.subarray(30, 61), bytes.subarray(61)]);
    expect(result.text).toBe(stream);
    expect(result.usage).toEqual({ promptTokens: 7, completionTokens: 3 });
  });

  it('holds back the usage-only chunk it was asked to drop, whatever the line endings', () => {
    for (const ending of ['\n', '\r\n', '\r']) {
      const result = relay([Buffer.from(`${usageEvent(ending)}data: [DONE]${ending}${ending}`)], true);
      expect(result.text).toBe(`data: [DONE]${ending}${ending}`);
      expect(result.usage).toEqual({ promptTokens: 7, completionTokens: 3 });
    }
  });
});
