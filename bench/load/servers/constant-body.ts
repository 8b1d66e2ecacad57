/** The constant chat completion the ceiling and scripted servers answer with (a module of its own: importing a server script starts it). */
import { SYNTHETIC_LABELS } from '../../../src/student/synthetic-task.js';
import { chatCompletion } from '../../../src/serve/chat-response.js';

/** The constant answer, shaped exactly like the student server's (same fields, similar size). */
export function constantCompletionBody(): string {
  const ranked = SYNTHETIC_LABELS.map((token, index) => ({ token, logprob: Math.log([0.7, 0.1, 0.1, 0.1][index] as number) }));
  const request = { model: 'constant', messages: [], input: '', inputParam: 'messages[0].content', logprobs: true, topLogprobs: SYNTHETIC_LABELS.length, stream: false, includeUsage: false };
  return JSON.stringify(chatCompletion({ id: 'chatcmpl-constant', created: 0, model: 'constant' }, { label: 'sports', ranked }, request, { prompt_tokens: 20, completion_tokens: 1, total_tokens: 21 }));
}
