import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createRequestListener, HttpError } from './http.js';

describe('the error boundary', () => {
  it('answers an unexpected error with a generic 500 and a request id, and logs the details under that id', async () => {
    const logged: Array<{ error: unknown; requestId: string }> = [];
    const listener = createRequestListener([
      { method: 'GET', path: '/boom', handler: () => Promise.reject(new Error('ENOENT: /srv/secret/guard.sqlite for tenant acme')) },
      { method: 'GET', path: '/refused', handler: () => { throw new HttpError(400, 'the request body is missing "model"', { code: 'invalid_value' }); } },
    ], (error, requestId) => logged.push({ error, requestId }));
    const server = createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const boom = await fetch(`${base}/boom`);
      const text = await boom.text();
      expect(boom.status).toBe(500);
      expect(text).not.toMatch(/secret|ENOENT|acme|sqlite/);
      const body = JSON.parse(text) as { error: { message: string; type: string; code: string } };
      const requestId = boom.headers.get('x-request-id') ?? '';
      expect(requestId).toMatch(/^req_[0-9a-f]{16}$/);
      expect(body.error).toMatchObject({ type: 'server_error', code: 'internal_error' });
      expect(body.error.message).toContain(requestId);
      expect(logged).toHaveLength(1);
      expect(logged[0]?.requestId).toBe(requestId);
      expect(String(logged[0]?.error)).toContain('/srv/secret/guard.sqlite');
      // Deliberate refusals keep their message: it tells the client what to fix.
      const refused = await fetch(`${base}/refused`);
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('missing \\"model\\"');
      expect(logged).toHaveLength(1);
    } finally {
      server.close();
    }
  });
});
