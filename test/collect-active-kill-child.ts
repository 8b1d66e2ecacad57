/**
 * The active-selection run that the active kill test SIGKILLs: the real OpenAI client, the real SQLite
 * store and a real n-gram student retrained every round.
 * Usage: node --import tsx test/collect-active-kill-child.ts <db> <baseURL>
 * Prints JSON lines: each collector start (with the orphaned calls it recovered), each answer, each round, the summary.
 */
import { collectActively } from '../src/collect/active-collect.js';
import { openSqliteStore } from '../src/store/index.js';
import { createStudent } from '../src/student/registry.js';
import { taskSpecSchema } from '../src/task/schema.js';
import { createOpenAITeacher } from '../src/teacher/openai-teacher.js';
import { costUSD } from '../src/teacher/prices.js';
import { estimateInputTokens, requestKey } from '../src/teacher/tokens.js';
import { KILL_TEST_CONCURRENCY, killTestInputs, killTestMessages } from './collect-kill-fixture.js';
import { KILL_TEST_LABELS } from './collect-kill-server.js';

/** Prints one JSON line; stdout to a pipe is synchronous on Linux, so it survives a SIGKILL right after. */
function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** The selection settings of the test: 40 held out, 40 seed, batches of 40, a target no student reaches (the labels are hashes). */
const ACTIVE_KILL_SETTINGS = taskSpecSchema.shape.collect.parse({ selection: 'active', active: { heldOutSize: 40, seedSize: 40, batchSize: 40, targetAgreement: 1 } }).active;

async function main(): Promise<void> {
  const [file, baseURL] = process.argv.slice(2);
  if (file === undefined || baseURL === undefined) throw new Error('usage: collect-active-kill-child.ts <db> <baseURL>');
  const store = openSqliteStore(file);
  const teacher = createOpenAITeacher({ baseURL, model: 'kill-test-model', apiKey: 'sk-kill-test', logprobs: true, topLogprobs: 5, temperature: 0, maxTokens: 4, timeoutMs: 10_000 });
  const prices = { inputPer1M: 2.5, outputPer1M: 10 };
  const labels = [...KILL_TEST_LABELS];
  const studentSettings = taskSpecSchema.shape.student.parse({ kind: 'ngram', buckets: 4096, epochs: 5 });
  try {
    const summary = await collectActively({
      store, teacher, inputs: killTestInputs(), labels, settings: ACTIVE_KILL_SETTINGS,
      fitScorer: (train, validation) => {
        const student = createStudent('ngram', labels, studentSettings);
        const example = (item: (typeof train)[number]) => ({ text: item.input.text, label: item.label, soft: item.soft });
        student.fit(train.map(example), validation.map(example));
        return (text) => student.predict(text).probabilities;
      },
      buildMessages: killTestMessages,
      requestKey: (messages) => requestKey(teacher, messages),
      estimateInputTokens,
      costUSD: (usage) => costUSD(usage, prices),
      maxOutputTokens: 4, budgetUSD: 100, concurrency: KILL_TEST_CONCURRENCY, maxRetries: 2, teacherURL: baseURL,
      onEvent: (event) => {
        if (event.type === 'round') print({ type: 'round', round: event.round });
        else if (event.event.type === 'start') print({ type: 'start', orphans: event.event.orphansRecovered.calls.map((call) => call.inputId) });
        else if (event.event.type === 'answer') print({ type: 'answer', inputId: event.event.inputId });
      },
    });
    print({ type: 'done', stopReason: summary.stopReason, batches: summary.batches, heldOut: summary.heldOutIds, seed: summary.seedIds, called: summary.collection.called });
    process.exitCode = summary.stopReason === 'exhausted' ? 0 : 2;
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
