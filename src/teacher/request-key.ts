import { contentHash } from '../util/hash.js';
import type { ChatMessage, Teacher } from './types.js';

/** The cache key of a request: what defines the answer (provider, model, parameters, messages), hashed. */
export function requestKey(teacher: Teacher, messages: ChatMessage[]): string {
  return contentHash({
    provider: teacher.provider,
    model: teacher.modelId,
    params: teacher.requestParameters,
    messages: messages.map((message) => ({ role: message.role, content: message.content })),
  });
}
