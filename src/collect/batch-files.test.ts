import { describe, expect, it } from 'vitest';
import { batchInputLine, parseBatchResults, splitBatchFiles } from './batch-files.js';

describe('batch files', () => {
  it('writes one request per line with custom_id, method, url and body', () => {
    const line = batchInputLine('r7', { model: 'm', messages: [{ role: 'user', content: 'é' }] });
    expect(JSON.parse(line.text)).toEqual({ custom_id: 'r7', method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'é' }] } });
    expect(line.text.endsWith('\n')).toBe(true);
    expect(line.bytes).toBe(Buffer.byteLength(line.text));
  });

  it('cuts files at whichever limit comes first, keeping order, and sets apart a line too large for any file', () => {
    const lines = [5, 5, 5, 9, 2, 11, 1].map((bytes, index) => ({ index, bytes }));
    const { files, tooLarge } = splitBatchFiles(lines, { maxRequests: 2, maxBytes: 10 });
    expect(files.map((file) => file.map((line) => line.index))).toEqual([[0, 1], [2], [3], [4, 6]]);
    expect(tooLarge.map((line) => line.index)).toEqual([5]);
  });

  it('reads output and error lines, counting malformed ones', () => {
    const text = [
      JSON.stringify({ id: 'batch_req_1', custom_id: 'r0', response: { status_code: 200, request_id: 'req_1', body: { choices: [] } }, error: null }),
      JSON.stringify({ id: 'batch_req_2', custom_id: 'r1', response: null, error: { code: 'batch_expired', message: 'expired' } }),
      JSON.stringify({ id: 'batch_req_3', custom_id: 'r2', response: { status_code: 429, request_id: 'req_3', body: { error: { message: 'slow down', code: 'rate_limit_exceeded' } } }, error: null }),
      'not json', '', JSON.stringify({ id: 'x' }),
    ].join('\n');
    const { results, malformed } = parseBatchResults(text);
    expect(malformed).toBe(2);
    expect(results).toEqual([
      { customId: 'r0', statusCode: 200, requestId: 'req_1', body: { choices: [] }, error: null },
      { customId: 'r1', statusCode: null, requestId: null, body: null, error: { code: 'batch_expired', message: 'expired' } },
      { customId: 'r2', statusCode: 429, requestId: 'req_3', body: { error: { message: 'slow down', code: 'rate_limit_exceeded' } }, error: { code: 'rate_limit_exceeded', message: 'slow down' } },
    ]);
  });
});
