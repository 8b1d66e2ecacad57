/** The record that curation and the fine-tuning exports of extract and generate tasks work on. */
import type { SplitAssignment } from '../store/types.js';
import type { ChatMessage } from '../teacher/types.js';

/** Which split an example belongs to. */
export type Split = SplitAssignment['split'];

/** Two answers to the same prompt where one was judged better (for DPO-style preference files). */
export interface RankedAnswers {
  preferred: string;
  rejected: string;
}

/** One prompt and the teacher's answer to it, ready for curation and export. */
export interface GenerativeExample {
  id: string;
  split: Split;
  /** The prompt exactly as the teacher was sent it (system, user and any few-shot turns). */
  messages: ChatMessage[];
  /** The teacher's completion text. */
  answer: string;
  /** The provider's finish reason ('stop', 'length', ...); null when it gave none. */
  finishReason: string | null;
  /**
   * The raw input text the prompt was built from, when known. Decontamination compares it instead of
   * the user messages (so the template's fixed words never count as overlap) and Alpaca uses it as `input`.
   */
  input?: string;
  /** Tool definitions sent with the prompt, in OpenAI's `tools` shape. */
  tools?: unknown[];
  ranked?: RankedAnswers;
}

/** The text of an example's input: its raw input when known, otherwise its user messages joined. */
export function inputTextOf(example: GenerativeExample): string {
  if (example.input !== undefined) return example.input;
  return example.messages
    .filter((message) => message.role === 'user')
    .map((message) => message.content)
    .join('\n');
}
