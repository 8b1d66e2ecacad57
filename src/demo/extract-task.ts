/**
 * The extract demo's task as a plain object: the prompt the pipeline sends (a system instruction
 * and the sentence alone as the user message, so the teacher's input is the last user message
 * with no prefix to strip), the answer's JSON Schema, the teacher settings, the corpus selection,
 * and the student's settings (EXTRACT_DEMO_STUDENT: the one place to change them).
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENTITY_SCHEMA } from './entity-extractor.js';
import { EXTRACT_TEACHER_MODEL } from './extract-teacher-server.js';

/** The instruction the teacher gets (compromise ignores it; an LLM teacher given the same task would need it). */
export const EXTRACT_INSTRUCTION =
  'Extract the people, places and organisations named in the sentence. Answer with one JSON object ' +
  '{"people": [...], "places": [...], "organizations": [...]}: each list holds the names as written in the sentence, ' +
  'without possessive endings, in order of first appearance, each once; an empty list when there are none.';

/** The messages the demo sends its teacher; `{{text}}` is the whole user message. */
export const EXTRACT_PROMPT: ReadonlyArray<{ role: 'system' | 'user'; content: string }> = Object.freeze([
  Object.freeze({ role: 'system' as const, content: EXTRACT_INSTRUCTION }),
  Object.freeze({ role: 'user' as const, content: '{{text}}' }),
]);

/** The longest answer the demo asks for, in o200k tokens: the corpus's longest teacher answer is far below it, so a 'length' finish means a fault. */
export const EXTRACT_MAX_TOKENS = 256;

/**
 * The student `distillery demo extract` trains: the task file's `student:` block (see
 * src/task/student-kind-settings.ts for every field). `kind: span`, the span tagger (src/student/span/):
 * on this corpus it needs about 5,000 teacher answers for field F1 ≥ 0.90 (bench/extract-span-tagger.ts,
 * README there: 0.899 at 3,000 calls, 0.911 at 5,000), hence the corpus limit of 6,250 sentences below
 * (80% of them, about 5,000, trained on). `--student auto` trains the language model too and keeps the
 * better on validation field F1; it and `--student lm` use `lm` below, whose best measured field F1 on
 * this demo is the empty answer's (src/demo/extract-student-settings.ts) and which takes far longer
 * than the 10 minutes the demo is given. `pretokenizer` stays `gpt2`: `words` cost 31% more CPU per
 * step (longer sequences: context 272 against 240) and, at 150 steps, the same field F1 (0.786, both
 * students answering with empty lists): `npx tsx bench/extract-copy-ab.ts --calls=2000 --steps=150
 * --test=200 [--set='{"pretokenizer":"words"}']`, 2026-12-01, load 17–19.
 */
export const EXTRACT_DEMO_STUDENT = Object.freeze({
  kind: 'span' as 'span' | 'auto' | 'lm',
  seed: 1,
  span: Object.freeze({ epochs: Object.freeze([10, 20, 30]), bits: 18 }),
  lm: Object.freeze({ size: 'small' as const, vocabularySize: 1024, tokenizer: 'bpe' as const, steps: 600, batchSize: 16, learningRate: 3e-3, evaluateEvery: 100, patience: 4, storage: 'f16' as const }),
});

/** The extract demo's task: what `distillery demo extract` hands the pipeline (with the teacher's URL and the inputs). */
export const EXTRACT_DEMO_TASK = Object.freeze({
  name: 'entities-demo',
  kind: 'extract' as const,
  teacher: Object.freeze({ model: EXTRACT_TEACHER_MODEL, logprobs: false, maxTokens: EXTRACT_MAX_TOKENS, timeoutMs: 30_000 }),
  prompt: Object.freeze({ messages: EXTRACT_PROMPT }),
  /** The answer's schema; also sent as response_format so an OpenAI teacher is constrained to it. */
  schema: ENTITY_SCHEMA,
  responseFormat: Object.freeze({ type: 'json_schema' as const, json_schema: Object.freeze({ name: 'entities', strict: true, schema: ENTITY_SCHEMA }) }),
  corpus: Object.freeze({ limit: 6250, seed: 0, minChars: 40, maxChars: 250 }),
  budget: Object.freeze({ maxUSD: 1 }),
  limits: Object.freeze({ concurrency: 4 }),
  student: EXTRACT_DEMO_STUDENT,
});

/** Bytes of the teacher as shipped: compromise's one-file ES module build (code and lexicon together). */
export function extractTeacherBytes(): number {
  return statSync(fileURLToPath(new URL('../builds/three/compromise-three.mjs', import.meta.resolve('compromise')))).size;
}
