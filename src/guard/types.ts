/**
 * The guard's seams, type-only and versioned like src/teacher/types.ts: a new detector or store is a
 * new file implementing one of these, and nothing else changes.
 */

/** What the gateway knows about one request before it is forwarded; held in memory only, never stored. */
export interface RequestFeatures {
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  /** The gateway route, e.g. '/v1/chat/completions'. */
  route: string;
  model: string | null;
  /**
   * The prompt text (chat messages joined by newlines, or the completion prompt / embedding input).
   * Detectors may sketch it (MinHash and so on); the audit log stores it only when `logPrompts` is on.
   */
  prompt: string;
  /** Number of chat messages (1 for a completion or embedding). */
  messageCount: number;
  stream: boolean;
  /** max_tokens / max_completion_tokens, when sent. */
  maxTokens: number | null;
  /** Whether the request asked for logprobs (a distillation signal: soft labels are worth more). */
  logprobs: boolean;
  topLogprobs: number | null;
  /** Sampling temperature, when sent. */
  temperature: number | null;
  /** Completions asked for per prompt (`n`), when sent: several samples per prompt are worth more to a distiller. */
  n?: number | null;
  /** The system / developer message, when sent (kept apart so a fixed system prompt does not make every request look alike). */
  systemPrompt?: string | null;
  /**
   * The newest message alone (the user's new turn); detectors sketch this rather than `prompt`, which
   * repeats a conversation's history on every follow-up. Absent: use `prompt`.
   */
  lastMessage?: string;
}

/** A detector's verdict on one key: 0 = looks like a normal user, 1 = certainly harvesting. */
export interface DetectorScore {
  score: number;
  /** Human-readable evidence, shown by `distillery guard explain`. */
  reasons: string[];
}

/** A detector of output harvesting. Observes every authenticated request; scores a key on demand. */
export interface Detector {
  readonly specificationVersion: 'v1';
  /** A short stable name, e.g. 'volume'; prefixed to its reasons. */
  readonly name: string;
  observe(keyId: string, features: RequestFeatures): void | Promise<void>;
  score(keyId: string): DetectorScore | Promise<DetectorScore>;
}

/** What the policy does with a key, mildest first. */
export type PolicyAction = 'log' | 'flag' | 'throttle' | 'block';

/** The policy actions in order of severity. */
export const POLICY_ACTIONS: readonly PolicyAction[] = Object.freeze(['log', 'flag', 'throttle', 'block']);
