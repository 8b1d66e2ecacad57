/**
 * The prompts a trace sends: the owner's own logs (the prompts their watermarked model answered, as
 * JSONL), or a built-in set of open-ended requests that make a model write at length, which is what
 * a radioactivity test needs (many distinct tokens per call). An owner's log line may also carry the
 * watermarked answer itself, which "reading mode" teacher-forces through the suspect.
 */
import { readFile } from 'node:fs/promises';
import type { ChatMessage } from '../teacher/index.js';
import { UsageError } from '../util/errors.js';
import { fileFailureReason } from '../util/node-errors.js';

/** One prompt of a trace, and the owner's watermarked answer to it when the log has one. */
export interface TracePrompt {
  messages: ChatMessage[];
  /** The owner's (watermarked) answer to these messages, for reading mode. */
  answer?: string;
}

/** Open-ended requests that draw long, varied text from a chat model. */
export const BUILT_IN_PROMPTS: readonly string[] = Object.freeze([
  'Write a short story about a lighthouse keeper who finds a message in a bottle.',
  'Explain how vaccines train the immune system, for a curious teenager.',
  'Describe a walk through a city market at dawn, with sounds and smells.',
  'Give practical advice to someone starting to learn the piano as an adult.',
  'Write a letter from a sailor to his sister about life at sea.',
  'Explain the difference between weather and climate with everyday examples.',
  'Tell the history of the bicycle in a few paragraphs.',
  'Write a product review of an imaginary umbrella that never gets wet.',
  'Describe how bread is made, from the field to the bakery.',
  'Write a dialogue between a cat and a dog arguing about the best nap spot.',
  'Explain why the sky is blue, then why sunsets are red.',
  'Write a travel guide entry for a small mountain village.',
  'Describe the life cycle of a star, in plain words.',
  'Write a speech for a school principal on the last day of the year.',
  'Explain how a bill becomes a law, step by step.',
  'Write a recipe for a vegetable soup and explain each step.',
  'Describe what a day in the life of a beekeeper looks like.',
  'Write a fairy tale about a clockmaker and a talking owl.',
  'Explain the main causes of the French Revolution.',
  'Give tips for keeping houseplants alive through the winter.',
]);

/** The built-in prompts as trace prompts. */
export function builtInTracePrompts(): TracePrompt[] {
  return BUILT_IN_PROMPTS.map((content) => ({ messages: [{ role: 'user', content }] }));
}

/** Checks one `messages` array from a log line. */
function parseMessages(value: unknown, where: string): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw new UsageError(`${where}: "messages" must be a non-empty array`);
  return value.map((message: unknown, index) => {
    const fields = (message ?? {}) as Record<string, unknown>;
    if (!['system', 'user', 'assistant'].includes(fields.role as string) || typeof fields.content !== 'string') {
      throw new UsageError(`${where}: messages[${index}] needs a role (system, user or assistant) and a string content`);
    }
    return { role: fields.role as ChatMessage['role'], content: fields.content };
  });
}

/** One JSONL line: a string (the prompt), or an object with "prompt" or "messages", and optionally "answer". */
function parsePromptLine(line: string, where: string): TracePrompt {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new UsageError(`${where}: not JSON (${(error as Error).message})`);
  }
  if (typeof value === 'string') return { messages: [{ role: 'user', content: value }] };
  const fields = (value ?? {}) as Record<string, unknown>;
  const messages = typeof fields.prompt === 'string' ? [{ role: 'user' as const, content: fields.prompt }] : fields.messages !== undefined ? parseMessages(fields.messages, where) : undefined;
  if (messages === undefined) throw new UsageError(`${where}: a prompt line needs "prompt" (a string) or "messages" (chat messages)`);
  const answer = fields.answer ?? fields.completion;
  if (answer !== undefined && typeof answer !== 'string') throw new UsageError(`${where}: "answer" must be a string`);
  return answer === undefined ? { messages } : { messages, answer };
}

/** Reads the owner's prompts from a JSONL file (blank lines skipped). */
export async function readTracePrompts(file: string): Promise<TracePrompt[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the prompts ${file}: ${fileFailureReason(error) ?? (error as Error).message}`);
  }
  const prompts: TracePrompt[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() !== '') prompts.push(parsePromptLine(line, `${file}:${index + 1}`));
  });
  if (prompts.length === 0) throw new UsageError(`${file}: no prompts (one JSON line each: {"prompt": "..."} or {"messages": [...]})`);
  return prompts;
}

/** The text of the prompt's messages, whose tuples an answer may copy (filtered out of the score). */
export function promptText(prompt: TracePrompt): string {
  return prompt.messages.map((message) => message.content).join('\n');
}
