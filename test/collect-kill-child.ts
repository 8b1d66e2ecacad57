/**
 * The collector run that the kill test SIGKILLs: the real OpenAI client and the real SQLite store.
 * Usage: node --import tsx test/collect-kill-child.ts <db> <baseURL>
 * Prints JSON lines: the start event (with the orphaned calls it recovered), each answer, the summary.
 */
import { collect } from '../src/collect/index.js';
import { openSqliteStore } from '../src/store/index.js';
import { createOpenAITeacher } from '../src/teacher/openai-teacher.js';
import { costUSD } from '../src/teacher/prices.js';
import { estimateInputTokens, requestKey } from '../src/teacher/tokens.js';
import { KILL_TEST_CONCURRENCY, killTestInputs, killTestMessages } from './collect-kill-fixture.js';

/** Prints one JSON line; stdout to a pipe is synchronous on Linux, so it survives a SIGKILL right after. */
function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

async function main(): Promise<void> {
  const [file, baseURL] = process.argv.slice(2);
  if (file === undefined || baseURL === undefined) throw new Error('usage: collect-kill-child.ts <db> <baseURL>');
  const store = openSqliteStore(file);
  const teacher = createOpenAITeacher({ baseURL, model: 'kill-test-model', apiKey: 'sk-kill-test', logprobs: true, topLogprobs: 5, temperature: 0, maxTokens: 4, timeoutMs: 10_000 });
  const prices = { inputPer1M: 2.5, outputPer1M: 10 };
  try {
    const summary = await collect({
      store, teacher, inputs: killTestInputs(), labels: ['positive', 'negative'],
      buildMessages: killTestMessages,
      requestKey: (messages) => requestKey(teacher, messages),
      estimateInputTokens,
      costUSD: (usage) => costUSD(usage, prices),
      maxOutputTokens: 4, budgetUSD: 100, concurrency: KILL_TEST_CONCURRENCY, maxRetries: 2, teacherURL: baseURL,
      onEvent: (event) => {
        if (event.type === 'start') print({ type: 'start', orphans: event.orphansRecovered.calls.map((call) => call.inputId), toCall: event.toCall, cached: event.cached });
        else if (event.type === 'answer') print({ type: 'answer', inputId: event.inputId });
        else if (event.type === 'done') print({ type: 'done', summary: event.summary });
        else print(event);
      },
    });
    process.exitCode = summary.stopReason === 'done' && summary.failed === 0 ? 0 : 2;
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
