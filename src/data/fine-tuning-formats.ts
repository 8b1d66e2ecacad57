/**
 * Fine-tuning exports of generative examples: OpenAI chat, ShareGPT, Alpaca, Hugging Face
 * `messages` and DPO preference pairs, one JSONL file per format and split, written atomically.
 */
import path from 'node:path';
import type { ChatMessage } from '../teacher/types.js';
import type { GenerativeExample, Split } from './generative-example.js';
import { AtomicJsonlWriter, OPENAI_MIN_EXAMPLES, withWriters } from './jsonl-writer.js';

/** The export formats. */
export const FINE_TUNING_FORMATS = ['openai-chat', 'sharegpt', 'alpaca', 'hf-messages', 'dpo'] as const;
/** One export format. */
export type FineTuningFormat = (typeof FINE_TUNING_FORMATS)[number];

/** What `exportFineTuning` wrote for one format and split. */
export interface FineTuningFile {
  format: FineTuningFormat;
  split: Split;
  file: string;
  examples: number;
  /** Examples the format cannot represent (DPO: no ranked pair). */
  skipped: number;
}

/** What `exportFineTuning` wrote. */
export interface FineTuningExport {
  files: FineTuningFile[];
  warnings: string[];
}

const SHAREGPT_ROLE = { system: 'system', user: 'human', assistant: 'gpt' } as const;

const copyMessages = (messages: readonly ChatMessage[]): ChatMessage[] => messages.map(({ role, content }) => ({ role, content }));
const withAnswer = (example: GenerativeExample): ChatMessage[] => [...copyMessages(example.messages), { role: 'assistant', content: example.answer }];
const hasTools = (example: GenerativeExample): example is GenerativeExample & { tools: unknown[] } => example.tools !== undefined && example.tools.length > 0;

/** OpenAI chat fine-tuning: the prompt then the answer as the assistant, `tools` when the prompt had them. */
export function openAiChatLine(example: GenerativeExample): { messages: ChatMessage[]; tools?: unknown[] } {
  return hasTools(example) ? { messages: withAnswer(example), tools: example.tools } : { messages: withAnswer(example) };
}

/** ShareGPT: `conversations` of `{from: system|human|gpt, value}`. */
export function shareGptLine(example: GenerativeExample): { conversations: Array<{ from: string; value: string }> } {
  return { conversations: withAnswer(example).map((message) => ({ from: SHAREGPT_ROLE[message.role], value: message.content })) };
}

/**
 * Alpaca `{instruction, input, output}`: the system messages (and the template's own words, when the
 * raw input is known and appears in the last user message) are the instruction, the user's content
 * is the input. Alpaca has one turn, so few-shot turns before the last user message join the instruction.
 */
export function alpacaLine(example: GenerativeExample): { instruction: string; input: string; output: string } {
  const instruction: string[] = [];
  const messages = example.messages;
  let lastUser = -1;
  for (let index = messages.length - 1; index >= 0; index--) {
    if (messages[index]?.role === 'user') {
      lastUser = index;
      break;
    }
  }
  messages.forEach((message, index) => {
    if (index === lastUser) return;
    if (message.role === 'system') instruction.push(message.content);
    else instruction.push(`${message.role === 'user' ? 'Example input' : 'Example output'}: ${message.content}`);
  });
  let input = lastUser === -1 ? '' : (messages[lastUser] as ChatMessage).content;
  if (example.input !== undefined && example.input !== '' && input.includes(example.input)) {
    const template = input.replace(example.input, '').trim();
    if (template !== '') instruction.push(template);
    input = example.input;
  }
  return { instruction: instruction.join('\n\n'), input, output: example.answer };
}

/** Hugging Face conversational format (TRL's SFTTrainer reads it): `{messages: [{role, content}]}`. */
export function huggingFaceLine(example: GenerativeExample): { messages: ChatMessage[] } {
  return { messages: withAnswer(example) };
}

/** OpenAI preference fine-tuning (DPO) line; null when the example has no ranked pair. */
export function dpoLine(example: GenerativeExample): { input: { messages: ChatMessage[]; tools?: unknown[] }; preferred_output: ChatMessage[]; non_preferred_output: ChatMessage[] } | null {
  if (example.ranked === undefined) return null;
  const input = hasTools(example) ? { messages: copyMessages(example.messages), tools: example.tools } : { messages: copyMessages(example.messages) };
  return { input, preferred_output: [{ role: 'assistant', content: example.ranked.preferred }], non_preferred_output: [{ role: 'assistant', content: example.ranked.rejected }] };
}

/** The line an example becomes in `format`; null when the format cannot represent it. */
export function fineTuningRecord(format: FineTuningFormat, example: GenerativeExample): object | null {
  switch (format) {
    case 'openai-chat':
      return openAiChatLine(example);
    case 'sharegpt':
      return shareGptLine(example);
    case 'alpaca':
      return alpacaLine(example);
    case 'hf-messages':
      return huggingFaceLine(example);
    case 'dpo':
      return dpoLine(example);
  }
}

/** The file a format's split is written to, e.g. `sharegpt-train.jsonl`. */
export function fineTuningFileName(format: FineTuningFormat, split: Split): string {
  return `${format}-${split}.jsonl`;
}

/**
 * In one pass over the examples, writes `<format>-<split>.jsonl` in `directory` for every format and
 * every split in `splits` (default train and val: the test split stays out of training folders).
 */
export async function exportFineTuning(
  examples: Iterable<GenerativeExample> | AsyncIterable<GenerativeExample>,
  options: { directory: string; formats: readonly FineTuningFormat[]; splits?: readonly Split[] },
): Promise<FineTuningExport> {
  const formats = [...new Set(options.formats)];
  const splits = [...new Set<Split>(options.splits ?? ['train', 'val'])];
  const targets = new Map<string, { writer: AtomicJsonlWriter; entry: FineTuningFile }>();
  for (const format of formats) {
    for (const split of splits) {
      const file = path.join(options.directory, fineTuningFileName(format, split));
      targets.set(`${format}\u0000${split}`, { writer: new AtomicJsonlWriter(file), entry: { format, split, file, examples: 0, skipped: 0 } });
    }
  }
  await withWriters(
    [...targets.values()].map((target) => target.writer),
    async () => {
      for await (const example of examples) {
        for (const format of formats) {
          const target = targets.get(`${format}\u0000${example.split}`);
          if (target === undefined) continue;
          const record = fineTuningRecord(format, example);
          if (record === null) target.entry.skipped++;
          else await target.writer.write(record);
        }
      }
    },
  );
  const files = [...targets.values()].map(({ writer, entry }) => ({ ...entry, examples: writer.lines }));
  const warnings: string[] = [];
  for (const entry of files) {
    const name = path.basename(entry.file);
    if ((entry.format === 'openai-chat' || entry.format === 'dpo') && entry.examples < OPENAI_MIN_EXAMPLES) warnings.push(`${name} has ${entry.examples} examples; OpenAI fine-tuning needs at least ${OPENAI_MIN_EXAMPLES}`);
    if (entry.format === 'dpo' && entry.skipped > 0) warnings.push(`${name} left out ${entry.skipped} examples without a ranked pair`);
  }
  return { files, warnings };
}
