/**
 * Building the row for one call: the answer of a streamed call assembled from its chunks into the
 * chat completion the same call would have returned unstreamed, and the tags it carries.
 */

/** One tool call being assembled from its deltas. */
interface ToolCallParts { id?: string; type?: string; name: string; arguments: string }

/** One choice being assembled. */
interface ChoiceParts { role: string; content: string; hasContent: boolean; finishReason: unknown; toolCalls: Map<number, ToolCallParts>; logprobs: unknown[] }

/** The parsed `data:` payloads of an SSE body, `[DONE]` and unparseable events skipped. */
export function sseChunks(text: string): unknown[] {
  const chunks: unknown[] = [];
  for (const event of text.replace(/\r\n/g, '\n').split('\n\n')) {
    const data = event.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
    if (data === '' || data === '[DONE]') continue;
    try {
      chunks.push(JSON.parse(data));
    } catch {
      // A malformed event reaches the app unchanged; the row keeps what could be read.
    }
  }
  return chunks;
}

const record = (value: unknown): Record<string, unknown> => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {});

/** Folds one choice delta into its parts. */
function addDelta(parts: ChoiceParts, choice: Record<string, unknown>): void {
  const delta = record(choice['delta']);
  if (typeof delta['role'] === 'string') parts.role = delta['role'];
  if (typeof delta['content'] === 'string') { parts.content += delta['content']; parts.hasContent = true; }
  if (choice['finish_reason'] !== undefined && choice['finish_reason'] !== null) parts.finishReason = choice['finish_reason'];
  const logprobs = record(choice['logprobs'])['content'];
  if (Array.isArray(logprobs)) parts.logprobs.push(...logprobs);
  if (!Array.isArray(delta['tool_calls'])) return;
  for (const call of delta['tool_calls'] as unknown[]) {
    const fields = record(call);
    const index = typeof fields['index'] === 'number' ? fields['index'] : 0;
    const known = parts.toolCalls.get(index) ?? { name: '', arguments: '' };
    const fn = record(fields['function']);
    if (typeof fields['id'] === 'string') known.id = fields['id'];
    if (typeof fields['type'] === 'string') known.type = fields['type'];
    if (typeof fn['name'] === 'string') known.name += fn['name'];
    if (typeof fn['arguments'] === 'string') known.arguments += fn['arguments'];
    parts.toolCalls.set(index, known);
  }
}

/** The message of one assembled choice, in a chat completion's shape. */
function messageOf(parts: ChoiceParts): Record<string, unknown> {
  const message: Record<string, unknown> = { role: parts.role, content: parts.hasContent ? parts.content : null };
  if (parts.toolCalls.size > 0) {
    message['tool_calls'] = [...parts.toolCalls.entries()].sort(([a], [b]) => a - b)
      .map(([, call]) => ({ id: call.id, type: call.type ?? 'function', function: { name: call.name, arguments: call.arguments } }));
  }
  return message;
}

/** The chat completion a stream of chat.completion.chunk objects adds up to (content, tool calls, finish reason, logprobs, usage). */
export function assembleChatStream(chunks: readonly unknown[]): Record<string, unknown> {
  const choices = new Map<number, ChoiceParts>();
  let head: Record<string, unknown> = {};
  let usage: unknown = null;
  for (const chunk of chunks) {
    const fields = record(chunk);
    if (head['id'] === undefined && fields['id'] !== undefined) head = { id: fields['id'], created: fields['created'], model: fields['model'] };
    if (fields['usage'] !== undefined && fields['usage'] !== null) usage = fields['usage'];
    for (const choice of Array.isArray(fields['choices']) ? (fields['choices'] as unknown[]) : []) {
      const choiceFields = record(choice);
      const index = typeof choiceFields['index'] === 'number' ? choiceFields['index'] : 0;
      const parts = choices.get(index) ?? { role: 'assistant', content: '', hasContent: false, finishReason: null, toolCalls: new Map(), logprobs: [] };
      addDelta(parts, choiceFields);
      choices.set(index, parts);
    }
  }
  return {
    ...head, object: 'chat.completion',
    choices: [...choices.entries()].sort(([a], [b]) => a - b).map(([index, parts]) => ({
      index, message: messageOf(parts), finish_reason: parts.finishReason, ...(parts.logprobs.length > 0 ? { logprobs: { content: parts.logprobs } } : {}),
    })),
    usage,
  };
}

/** The tags of one call: the `x-distillery-tags` header's (comma-separated), the caller's, and `key=value` for each metadata entry. */
export function tagsOf(header: string | readonly string[] | undefined, metadata: Record<string, unknown> | null, extra: readonly string[] = []): string[] {
  const listed = (Array.isArray(header) ? header.join(',') : (header as string | undefined) ?? '').split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
  const fromMetadata = Object.entries(metadata ?? {}).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [...new Set([...extra, ...listed, ...fromMetadata])];
}

/** The request's `metadata` object (as sent with `store: true`), or null. */
export function metadataOf(request: unknown): Record<string, unknown> | null {
  const metadata = record(request)['metadata'];
  return metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : null;
}

/** The request's model name, or null. */
export function modelOf(request: unknown): string | null {
  const model = record(request)['model'];
  return typeof model === 'string' ? model : null;
}
