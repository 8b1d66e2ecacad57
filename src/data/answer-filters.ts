/**
 * Curation filters for teacher answers. Each has a name so the report can count what it removed; a
 * filtered answer is recorded and counted, never trained on silently.
 */
import { DistilleryError, EXIT, UsageError } from '../util/errors.js';
import type { GenerativeExample } from './generative-example.js';
import { compileAnswerSchema } from './json-answer.js';

/** A named test an answer must pass to be trained on. */
export interface AnswerFilter {
  readonly name: string;
  /** Why the example is rejected, or null to keep it. */
  reject(example: GenerativeExample): string | null;
}

/** One example a filter removed. */
export interface FilteredOut {
  id: string;
  split: GenerativeExample['split'];
  filter: string;
  reason: string;
}

/** What `applyFilters` kept and removed. */
export interface FilterResult {
  kept: GenerativeExample[];
  removed: FilteredOut[];
  /** Removed examples per filter name, in the filters' order (every filter listed, zeros included). */
  counts: Record<string, number>;
  total: number;
}

/**
 * Default refusal phrasings (English). Checked near the start of the answer only: refusals open the
 * answer, while a story or an email that quotes such a phrase further down is not one.
 */
export const DEFAULT_REFUSAL_PATTERNS: readonly RegExp[] = [
  /\bI(?:['’]m| am) (?:sorry|afraid),? but I (?:can(?:['’]t|not)|am unable|['’]m unable|won['’]t|will not|am not able)\b/iu,
  /\bas an AI(?: language)? (?:model|assistant)\b/iu,
  /\bI (?:cannot|can['’]t|can not|am unable to|['’]m unable to|am not able to|won['’]t) (?:help|assist)(?: you)? with (?:that|this|your request|requests?)\b/iu,
  /\bI (?:cannot|can['’]t|can not) (?:assist|comply|fulfil+|provide (?:that|this|assistance|help))\b/iu,
  /\bI(?:['’]m| am) (?:not able|unable) to (?:assist|comply|fulfil+)\b/iu,
  /\bI (?:must|have to) (?:respectfully )?(?:decline|refuse)\b/iu,
];
/** Refusals are looked for in this many leading characters of the answer. */
const REFUSAL_WINDOW = 400;

/** Rejects answers cut off by the token limit (finish reason `length`): training on them teaches stopping mid-sentence. */
export function truncatedFilter(): AnswerFilter {
  return { name: 'truncated', reject: (example) => (example.finishReason === 'length' ? 'finish reason length (cut off by max tokens)' : null) };
}

/** Rejects empty or whitespace-only answers. */
export function emptyAnswerFilter(): AnswerFilter {
  return { name: 'empty', reject: (example) => (example.answer.trim() === '' ? 'empty answer' : null) };
}

/** Rejects refusals; `patterns` (RegExp or regex source, matched case-insensitively) replaces the defaults. */
export function refusalFilter(patterns: readonly (RegExp | string)[] = DEFAULT_REFUSAL_PATTERNS): AnswerFilter {
  const compiled = patterns.map((pattern) => {
    if (pattern instanceof RegExp) return pattern;
    try {
      return new RegExp(pattern, 'iu');
    } catch (error) {
      throw new UsageError(`invalid refusal pattern ${JSON.stringify(pattern)}: ${(error as Error).message}`);
    }
  });
  return {
    name: 'refusal',
    reject: (example) => {
      const opening = example.answer.slice(0, REFUSAL_WINDOW);
      for (const pattern of compiled) {
        const match = pattern.exec(opening);
        if (match !== null) return `refusal: "${match[0]}"`;
      }
      return null;
    },
  };
}

/** Rejects answers that are not JSON (a ```json fenced block is allowed) or that fail `schema`. */
export function jsonSchemaFilter(schema: object): AnswerFilter {
  const check = compileAnswerSchema(schema);
  return { name: 'schema', reject: (example) => check(example.answer) };
}

/** Raised when filtering leaves no answer to train on; names the filters that took them. */
export class NoAnswersLeftError extends DistilleryError {
  override readonly name = 'NoAnswersLeftError';
  constructor(
    message: string,
    readonly counts: Readonly<Record<string, number>>,
  ) {
    // The task (its prompt, schema or max tokens) is what needs changing, so this is bad input (exit 2).
    super(message, { exitCode: EXIT.invalidInput, httpStatus: 422 });
  }
}

/**
 * Applies the filters in order (the first that rejects an example is the one counted) and returns
 * what is kept; throws NoAnswersLeftError when examples came in and none is left (unless `allowEmpty`).
 */
export function applyFilters(examples: readonly GenerativeExample[], filters: readonly AnswerFilter[], options: { allowEmpty?: boolean } = {}): FilterResult {
  const counts: Record<string, number> = {};
  for (const filter of filters) {
    if (filter.name in counts) throw new UsageError(`answer filter "${filter.name}" is listed twice`);
    counts[filter.name] = 0;
  }
  const kept: GenerativeExample[] = [];
  const removed: FilteredOut[] = [];
  for (const example of examples) {
    let rejected = false;
    for (const filter of filters) {
      const reason = filter.reject(example);
      if (reason === null) continue;
      removed.push({ id: example.id, split: example.split, filter: filter.name, reason });
      counts[filter.name] = (counts[filter.name] ?? 0) + 1;
      rejected = true;
      break;
    }
    if (!rejected) kept.push(example);
  }
  if (examples.length > 0 && kept.length === 0 && options.allowEmpty !== true) {
    const takers = Object.entries(counts)
      .filter(([, count]) => count > 0)
      .sort(([, a], [, b]) => b - a)
      .map(([name, count]) => `${name} removed ${count} of ${examples.length}`);
    throw new NoAnswersLeftError(`no answers left after filtering: ${takers.join(', ')}`, counts);
  }
  return { kept, removed, counts, total: examples.length };
}

/** The filters a kind applies by default: truncated, empty, refusal, and schema when a JSON Schema is given. */
export function defaultFilters(options: { schema?: object; refusalPatterns?: readonly (RegExp | string)[] } = {}): AnswerFilter[] {
  const filters = [truncatedFilter(), emptyAnswerFilter(), refusalFilter(options.refusalPatterns)];
  if (options.schema !== undefined) filters.push(jsonSchemaFilter(options.schema));
  return filters;
}
