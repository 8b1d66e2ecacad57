import path from 'node:path';
import type { SplitAssignment } from '../store/types.js';
import type { ChatMessage } from '../teacher/types.js';
import { AtomicJsonlWriter, OPENAI_MIN_EXAMPLES, withWriters } from './jsonl-writer.js';

type Split = SplitAssignment['split'];
type Rows<T> = Iterable<T> | AsyncIterable<T>;

/** One labelled input as the plain export writes it. */
export interface LabelledRow {
  id: string;
  text: string;
  /** The teacher's label; null when it gave none (such rows stay out of fine-tuning files). */
  label: string | null;
  distribution: number[] | null;
  gold: string | null;
  split: Split;
}

/** What `exportLabelled` wrote. */
export interface ExportResult {
  plain: { file: string; rows: number };
  fineTuning: Partial<Record<Split, { file: string; examples: number }>>;
  /** Rows left out of fine-tuning files because they have no label. */
  unlabelled: number;
  warnings: string[];
}

/** Writes one JSON object per line, streaming and atomically (temp file + rename); returns the lines written. */
export async function writePlainJsonl(rows: Rows<object>, file: string): Promise<number> {
  const writer = new AtomicJsonlWriter(file);
  await withWriters([writer], async () => {
    for await (const row of rows) await writer.write(row);
  });
  return writer.lines;
}

/** One OpenAI fine-tuning line: the prompt messages, then the label as the assistant's answer. */
export function fineTuningLine(messages: readonly ChatMessage[], label: string): { messages: ChatMessage[] } {
  return { messages: [...messages, { role: 'assistant', content: label }] };
}

/** Writes OpenAI fine-tuning JSONL (`{"messages": [...]}` per line); returns the lines written. */
export async function writeFineTuningJsonl(examples: Rows<{ messages: readonly ChatMessage[]; label: string }>, file: string): Promise<number> {
  const writer = new AtomicJsonlWriter(file);
  await withWriters([writer], async () => {
    for await (const example of examples) await writer.write(fineTuningLine(example.messages, example.label));
  });
  return writer.lines;
}

/**
 * In one pass over the rows, writes `labelled.jsonl` (every row) and `openai-finetune-<split>.jsonl`
 * for each split in `fineTuningSplits` (default train and val), building each prompt with `buildMessages`.
 */
export async function exportLabelled(
  rows: Rows<LabelledRow>,
  options: { directory: string; buildMessages: (row: LabelledRow) => ChatMessage[]; fineTuningSplits?: readonly Split[] },
): Promise<ExportResult> {
  const plain = new AtomicJsonlWriter(path.join(options.directory, 'labelled.jsonl'));
  const bySplit = new Map<Split, AtomicJsonlWriter>();
  for (const split of options.fineTuningSplits ?? ['train', 'val']) bySplit.set(split, new AtomicJsonlWriter(path.join(options.directory, `openai-finetune-${split}.jsonl`)));
  let unlabelled = 0;
  await withWriters([plain, ...bySplit.values()], async () => {
    for await (const row of rows) {
      await plain.write({ id: row.id, text: row.text, label: row.label, distribution: row.distribution, gold: row.gold, split: row.split });
      const writer = bySplit.get(row.split);
      if (writer === undefined) continue;
      if (row.label === null) unlabelled++;
      else await writer.write(fineTuningLine(options.buildMessages(row), row.label));
    }
  });
  const result: ExportResult = { plain: { file: plain.file, rows: plain.lines }, fineTuning: {}, unlabelled, warnings: [] };
  for (const [split, writer] of bySplit) {
    result.fineTuning[split] = { file: writer.file, examples: writer.lines };
    if (writer.lines < OPENAI_MIN_EXAMPLES) result.warnings.push(`${path.basename(writer.file)} has ${writer.lines} examples; OpenAI fine-tuning needs at least ${OPENAI_MIN_EXAMPLES}`);
  }
  return result;
}
