import { describe, expect, it } from 'vitest';
import type { CollectEvent } from '../collect/events.js';
import { humanRenderer, jsonRenderer } from './progress.js';

/** A non-TTY stream that keeps what is written. */
function memoryStream(): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY: false, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

const orphans: Extract<CollectEvent, { type: 'orphans' }> = {
  type: 'orphans', count: 2, usd: 0.5, calls: [], message: '2 call(s) were in flight when an earlier run stopped; they may have been billed, so $0.500 is counted as spent.',
};

describe('progress renderers', () => {
  it('tell at once about calls an earlier run left in flight, on stderr and as a JSON line', () => {
    const { stream, written } = memoryStream();
    humanRenderer(stream).handle({ type: 'collect', event: orphans });
    expect(written).toEqual([`⚠ collect: ${orphans.message}\n`]);
    const lines: string[] = [];
    jsonRenderer((line) => lines.push(line)).handle({ type: 'collect', event: orphans });
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ type: 'collect', event: { type: 'orphans', count: 2, usd: 0.5 } });
  });
});
