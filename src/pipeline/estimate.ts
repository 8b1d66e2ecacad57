import type { LoadedTask } from '../task/load.js';
import { buildMessages } from '../task/template.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { costUSD } from '../teacher/prices.js';
import { estimateInputTokens, requestKey } from '../teacher/tokens.js';
import { reusable } from './captured-inputs.js';
import { readTaskInputs } from './import-stage.js';
import type { ResolvedTeacher } from './make-teacher.js';
import { projectPaths } from './project.js';

/** What collecting the rest would cost, before any call is made. */
export interface CostEstimate {
  inputs: number;
  cached: number;
  toCall: number;
  inputTokens: number;
  /** Output tokens if every answer used max_tokens (the worst case the budget reserves). */
  maxOutputTokens: number;
  /** Input tokens plus one answer token per call: what a one-word label usually costs. */
  typicalUSD: number;
  worstCaseUSD: number;
  spentUSD: number;
  budgetUSD: number;
  prices: { inputPer1M: number; outputPer1M: number; source: string };
}

/** Counts the tokens of every input not yet answered and prices them, without calling the teacher. */
export async function estimateCost(task: LoadedTask, resolved: ResolvedTeacher): Promise<CostEstimate> {
  const { spec } = task;
  const { records: inputs, capturedAnswers } = await readTaskInputs(task);
  // Answers production bought for exactly these requests are reused by the run: they cost nothing more.
  const captured = new Set(capturedAnswers.filter((answer) => reusable(answer, resolved)).map((answer) => answer.inputId));
  const paths = projectPaths(task.projectDir);
  const store = openSqliteStore(paths.database);
  try {
    let cached = 0;
    let inputTokens = 0;
    for (const input of inputs) {
      const messages = buildMessages(spec, input.text, input.fields);
      if (captured.has(input.id) || (await store.getResponse(requestKey(resolved.teacher, messages)))) cached++;
      else inputTokens += estimateInputTokens(messages);
    }
    const toCall = inputs.length - cached;
    const ledger = await store.ledger();
    return {
      inputs: inputs.length,
      cached,
      toCall,
      inputTokens,
      maxOutputTokens: toCall * resolved.maxOutputTokens,
      typicalUSD: costUSD({ inputTokens, outputTokens: toCall }, resolved.prices),
      worstCaseUSD: costUSD({ inputTokens, outputTokens: toCall * resolved.maxOutputTokens }, resolved.prices),
      spentUSD: ledger.committedUSD + ledger.orphanedUSD,
      budgetUSD: spec.budget.maxUSD,
      prices: { ...resolved.prices, source: resolved.priceSource },
    };
  } finally {
    await store.close();
  }
}
