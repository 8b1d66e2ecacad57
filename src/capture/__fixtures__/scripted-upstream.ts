/**
 * A scripted OpenAI-compatible upstream for the capture tests: a fixed chat completion (or the same
 * answer as an SSE stream written event by event), deterministic so that direct and proxied bodies
 * can be compared byte for byte. It remembers the headers of the last request it saw.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { listen, type ListeningServer } from '../../serve/listen.js';

/** The scripted answer's text: it carries an e-mail address and a long number, for the redaction tests. */
export const SCRIPTED_ANSWER = ['Hello', ' bob@example.org', ', ref 4111 1111 1111 1111'];

/** A started scripted upstream. */
export interface ScriptedUpstream extends ListeningServer { lastHeaders: () => IncomingHttpHeaders }

const usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };

/** The SSE events of the scripted stream, one string per write. */
function streamEvents(model: string): string[] {
  const chunk = (delta: object, finish: string | null) => ({ id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{ index: 0, delta, finish_reason: finish }] });
  return [
    `data: ${JSON.stringify(chunk({ role: 'assistant', content: '' }, null))}\n\n`,
    ...SCRIPTED_ANSWER.map((part) => `data: ${JSON.stringify(chunk({ content: part }, null))}\n\n`),
    `data: ${JSON.stringify(chunk({}, 'stop'))}\n\n`,
    `data: ${JSON.stringify({ id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [], usage })}\n\n`,
    'data: [DONE]\n\n',
  ];
}

/** Starts the scripted upstream on a free loopback port. */
export async function startScriptedUpstream(): Promise<ScriptedUpstream> {
  let lastHeaders: IncomingHttpHeaders = {};
  const server = await listen((request, response) => {
    lastHeaders = request.headers;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { model?: string; stream?: boolean };
      const model = body.model ?? 'scripted';
      if (body.stream === true) {
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const events = streamEvents(model);
        // One write per turn of the event loop, so the proxy sees (and must pass on) separate chunks.
        const next = (): void => {
          const event = events.shift();
          if (event === undefined) return void response.end();
          response.write(event);
          setImmediate(next);
        };
        return next();
      }
      const answer = { id: 'chatcmpl-scripted', object: 'chat.completion', created: 1_700_000_000, model, choices: [{ index: 0, message: { role: 'assistant', content: SCRIPTED_ANSWER.join('') }, finish_reason: 'stop' }], usage };
      const text = JSON.stringify(answer);
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    });
  });
  return { ...server, lastHeaders: () => lastHeaders };
}
