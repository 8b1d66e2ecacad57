/**
 * The teacher seam. Type-only and versioned, like the AI SDK's provider spec: a new provider is a
 * new file that implements `Teacher`, nothing else changes.
 */

/** One chat message sent to a teacher. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What the collector asks of a teacher for one input. */
export interface TeacherRequest {
  messages: ChatMessage[];
  /** The task's label set, in the task file's order. */
  labels: readonly string[];
  signal?: AbortSignal;
}

/** Token usage as the teacher reported it (or estimated when it reported none). */
export interface TeacherUsage {
  inputTokens: number;
  outputTokens: number;
  /** True when the numbers are our estimate rather than the teacher's report. */
  estimated: boolean;
}

/** The unified answer of a teacher, plus the raw values it was derived from. */
export interface TeacherResult {
  /** 'label': the answer names a label; 'junk': it does not (recorded as such, never coerced). */
  kind: 'label' | 'junk';
  /** The label the teacher answered, or null for junk. */
  label: string | null;
  /**
   * Probability over `labels` (same order) from the logprobs, renormalised to sum to 1; null when
   * the teacher gave no logprobs (hard label only) or the answer was junk.
   */
  distribution: number[] | null;
  /** Probability mass the logprobs put outside every label (before renormalising), when known. */
  tailMass: number | null;
  /** The text the teacher answered. */
  text: string;
  usage: TeacherUsage;
  /** Non-fatal oddities: an ignored setting, a label outside top-k, and so on. */
  warnings: string[];
  /** The provider's response id, when it gave one. */
  responseId: string | null;
}

/** A teacher that can be asked to classify. */
export interface Teacher {
  readonly specificationVersion: 'v1';
  readonly provider: string;
  readonly modelId: string;
  /** The parameters that, with the messages, make up the cache key of a request. */
  readonly requestParameters: Readonly<Record<string, unknown>>;
  classify(request: TeacherRequest): Promise<TeacherResult>;
}
