import { describe, expect, it } from 'vitest';
import { answerGate, InlineThinking } from './answer-gate.js';

const TEXT = 'Hi <think>plan: say hi</think>\n\nthere <THINKING>again</Thinking> you <b>bold</b> <thin';

/** Feeds `pieces` to one splitter and joins what it said and thought. */
function feed(pieces: readonly string[]): { said: string; thought: string } {
  const splitter = new InlineThinking();
  const out = { said: '', thought: '' };
  for (const piece of [...pieces.map((text) => splitter.push(text)), splitter.end()]) {
    out.said += piece.said;
    out.thought += piece.thought;
  }
  return out;
}

describe('inline thinking blocks', () => {
  it('takes <think> and <thinking> blocks (any case) out of content, with the whitespace after them', () => {
    expect(feed([TEXT])).toEqual({ said: 'Hi there you <b>bold</b> <thin', thought: 'plan: say hiagain' });
  });

  it('says the same however the content is cut into pieces, tags split included', () => {
    const whole = feed([TEXT]);
    for (let first = 0; first <= TEXT.length; first++) {
      for (let second = first; second <= TEXT.length; second += 3) {
        expect(feed([TEXT.slice(0, first), TEXT.slice(first, second), TEXT.slice(second)])).toEqual(whole);
      }
    }
  });

  it('treats a block never closed (an answer cut off) as thinking to the end', () => {
    expect(feed(['answer <think>still thin', 'king </thi'])).toEqual({ said: 'answer ', thought: 'still thinking </thi' });
  });

  it('strips a plain legacy completion and summarises a chat message\'s inline thinking', () => {
    const legacy = { choices: [{ index: 0, text: '<think>hidden</think>shown', finish_reason: 'stop' }] };
    const out = JSON.parse(answerGate({ reasoning: 'strip' }).rewriteBody(Buffer.from(JSON.stringify(legacy))).toString()) as typeof legacy;
    expect(out.choices[0]?.text).toBe('shown');
    const chat = { choices: [{ index: 0, message: { role: 'assistant', content: '<think>why</think>because' }, finish_reason: 'stop' }] };
    const summarised = JSON.parse(answerGate({ reasoning: 'summary' }).rewriteBody(Buffer.from(JSON.stringify(chat))).toString()) as { choices: [{ message: Record<string, string> }] };
    expect(summarised.choices[0].message).toEqual({ role: 'assistant', content: 'because', reasoning_content: 'why' });
  });

  it('delivers a held tail before [DONE] when the stream ends without a finish reason', () => {
    const stream = answerGate({ reasoning: 'strip' }).stream();
    const event = (content: string) => `data: ${JSON.stringify({ id: 'c', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    const out = stream.push(event('a <think>x</think>b <')) + stream.push('data: [DONE]\n\n') + stream.flush();
    const contents = out.split('\n\n').filter((line) => line.startsWith('data: {')).map((line) => (JSON.parse(line.slice(6)) as { choices: [{ delta: { content: string } }] }).choices[0].delta.content);
    expect(contents.join('')).toBe('a b <');
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});
