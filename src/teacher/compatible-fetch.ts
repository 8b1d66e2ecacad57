/**
 * A fetch wrapper that makes error bodies of OpenAI-compatible servers look like OpenAI's.
 * The SDK only reads `{ "error": { "message" } }`; vLLM and others answer `{ "message", "type",
 * "code" }` at the top level, and the SDK would then report "400 status code (no body)", losing the
 * words ("logprobs not supported") that decide whether to fall back.
 */

/** Wraps `fetchImpl` so a non-2xx JSON body without an `error` object gets one. */
export function withOpenAIErrorBodies(fetchImpl: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    if (response.ok) return response;
    const text = await response.text();
    const headers = new Headers(response.headers);
    // The body is re-encoded: the original length and compression no longer describe it.
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(rewrapErrorBody(text), { status: response.status, statusText: response.statusText, headers });
  };
}

/** Moves a top-level `message` into `error`, leaving OpenAI-shaped and non-JSON bodies as they are. */
export function rewrapErrorBody(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return text;
  const body = parsed as Record<string, unknown>;
  if (body['error'] !== undefined && typeof body['error'] === 'object') return text;
  const message = typeof body['message'] === 'string' ? body['message'] : typeof body['error'] === 'string' ? body['error'] : text;
  return JSON.stringify({ error: { message, type: body['type'] ?? null, code: body['code'] ?? null, param: body['param'] ?? null } });
}
