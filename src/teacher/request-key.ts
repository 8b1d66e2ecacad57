import { contentHash, sha256Hex, stableStringify } from '../util/hash.js';
import type { ChatMessage, Teacher } from './types.js';

/**
 * The part of a key after the messages, per teacher: provider, model and parameters do not change
 * during a run, and serialising them again for every input was most of the planning time.
 */
const suffixes = new WeakMap<Teacher, string>();

/** `,"model":…,"params":…,"provider":…}`: the keys after "messages", in stableStringify's sorted order. */
function suffixOf(teacher: Teacher): string {
  let suffix = suffixes.get(teacher);
  if (suffix === undefined) {
    suffix = `,"model":${stableStringify(teacher.modelId)},"params":${stableStringify(teacher.requestParameters)},"provider":${stableStringify(teacher.provider)}}`;
    suffixes.set(teacher, suffix);
  }
  return suffix;
}

/**
 * The cache key of a request: what defines the answer (provider, model, parameters, messages), hashed.
 * Byte for byte `contentHash({ provider, model, params, messages })` (see `requestKeyReference`), built
 * faster: keys of every earlier run must still match.
 */
export function requestKey(teacher: Teacher, messages: ChatMessage[]): string {
  const serialised = messages.map((message) => `{"content":${JSON.stringify(message.content)},"role":${JSON.stringify(message.role)}}`).join(',');
  return sha256Hex(`{"messages":[${serialised}]${suffixOf(teacher)}`);
}

/** The definition `requestKey` must agree with; kept for tests. */
export function requestKeyReference(teacher: Teacher, messages: ChatMessage[]): string {
  return contentHash({
    provider: teacher.provider,
    model: teacher.modelId,
    params: teacher.requestParameters,
    messages: messages.map((message) => ({ role: message.role, content: message.content })),
  });
}
