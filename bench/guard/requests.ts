/**
 * Simulated requests go through the gateway's own `requestFeatures`, from the JSON body a client would
 * send, so the detectors see exactly what they would see behind the real gateway.
 */
import { requestFeatures } from '../../src/guard/gateway-request.js';
import type { RequestFeatures } from '../../src/guard/types.js';

/** One simulated API key and everything it sends, in time order. */
export interface SimulatedKey {
  id: string;
  group: 'benign' | 'distiller';
  /** The benign persona or the distillation strategy. */
  kind: string;
  requests: RequestFeatures[];
}

/** Body fields besides the messages. */
export interface ChatSettings {
  system?: string;
  logprobs?: boolean;
  topLogprobs?: number;
  n?: number;
  maxTokens?: number;
  temperature?: number;
}

/** A chat completion request: `turns` alternate user / assistant and end with the user's new message. */
export function chatRequest(at: number, turns: readonly string[], settings: ChatSettings = {}): RequestFeatures {
  const messages = [
    ...(settings.system !== undefined ? [{ role: 'system', content: settings.system }] : []),
    ...turns.map((content, index) => ({ role: index % 2 === 0 ? 'user' : 'assistant', content })),
  ];
  const body: Record<string, unknown> = { model: 'served-model', messages };
  if (settings.logprobs) body['logprobs'] = true;
  if (settings.topLogprobs !== undefined) body['top_logprobs'] = settings.topLogprobs;
  if (settings.n !== undefined) body['n'] = settings.n;
  if (settings.maxTokens !== undefined) body['max_tokens'] = settings.maxTokens;
  if (settings.temperature !== undefined) body['temperature'] = settings.temperature;
  return requestFeatures('/v1/chat/completions', body, Math.round(at));
}
