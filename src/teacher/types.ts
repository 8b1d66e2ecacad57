/**
 * The teacher seam, version 2. Type-only and versioned, like the AI SDK's provider spec: a new
 * provider is a new file that implements `Teacher`, nothing else changes. Version 2 returns
 * completions (text, finish reason, token logprobs, usage, the raw response); what an answer *means*
 * (a label, a JSON object, free text) is read from the completion by the task's kind (src/task/kinds/).
 */

/** One chat message sent to a teacher. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What the collector asks of a teacher for one input. */
export interface TeacherRequest {
  messages: ChatMessage[];
  signal?: AbortSignal;
}

/** Why the teacher stopped writing, unified across providers (the provider's own value is kept beside it). */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';

/** One alternative at a token position. */
export interface TokenAlternative {
  token: string;
  logprob: number;
}

/** One generated token with its logprob and the listed alternatives (when the provider gives logprobs). */
export interface CompletionToken {
  token: string;
  logprob: number;
  bytes?: number[];
  topLogprobs: TokenAlternative[];
}

/** Token usage as the teacher reported it (or estimated when it reported none). */
export interface TeacherUsage {
  inputTokens: number;
  /** Every billed output token, reasoning tokens included (they are priced as output). */
  outputTokens: number;
  /** The part of `outputTokens` a reasoning model spent thinking, when reported (and not 0). */
  reasoningTokens?: number;
  /** True when the numbers are our estimate rather than the teacher's report. */
  estimated: boolean;
}

/** One completion of a teacher, unified, plus the raw response it was derived from. */
export interface TeacherCompletion {
  /** The text the teacher answered (a refusal's text included). */
  text: string;
  finishReason: FinishReason;
  /** The provider's own finish reason (`finish_reason`, `stop_reason`), or null when it gave none. */
  rawFinishReason: string | null;
  /** Per-token logprobs, when they were asked for and the provider gave them. */
  tokens?: CompletionToken[];
  usage: TeacherUsage;
  /** The provider's response id, when it gave one. */
  responseId: string | null;
  /** The provider's response JSON, kept so that answers can be read again without paying again. */
  raw: unknown;
  /** Non-fatal oddities: an ignored setting, logprobs asked of a provider without them, and so on. */
  warnings: string[];
}

/** A teacher: sends chat messages, returns a completion. */
export interface Teacher {
  readonly specificationVersion: 'v2';
  readonly provider: string;
  readonly modelId: string;
  /** The parameters that, with the messages, make up the cache key of a request. */
  readonly requestParameters: Readonly<Record<string, unknown>>;
  complete(request: TeacherRequest): Promise<TeacherCompletion>;
}
