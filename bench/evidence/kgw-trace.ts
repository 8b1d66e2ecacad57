/**
 * The owner's test of a suspect in the KGW evidence bench: the student file served by the real
 * `distillery serve` server (no watermark of its own), and `runTrace` — the code behind `distillery
 * trace` — asking it the owner's prompts over HTTP, tokenising its answers with the owner's
 * tokenizer, de-duplicating tuples across the run and skipping those of the prompts. The answers
 * are kept so the same texts can be scored under random keys (the control's null).
 */
import { TraceScorer } from '../../src/evidence/trace-score.js';
import { createSuspect, type Suspect } from '../../src/evidence/trace-suspect.js';
import { traceTokenizerOf } from '../../src/evidence/trace-tokenizer.js';
import { runTrace, type TraceResult } from '../../src/evidence/trace.js';
import { generateWatermarkKey, type WatermarkKey } from '../../src/evidence/watermark-key.js';
import { startLanguageModelServer } from '../../src/serve/index.js';
import type { GenerativeStudent, Tokenizer } from '../../src/student/lm/index.js';

/** One trace of a suspect: the result, and the texts it answered (with their prompts). */
export interface SuspectTrace {
  result: TraceResult;
  answers: Array<{ prompt: string; text: string }>;
  /** Tuples scored when looks × p first reached 1e-6 (null: never). */
  scoredAt1e6: number | null;
  /** Raw log10 p at the end. */
  log10P: number;
  scored: number;
  greenShare: number;
}

/** A suspect client that also records every answer. */
function recording(suspect: Suspect, answers: Array<{ prompt: string; text: string }>): Suspect {
  return {
    ...suspect,
    ask: async (messages) => {
      const answer = await suspect.ask(messages);
      if (answer !== undefined) answers.push({ prompt: messages.map((message) => message.content).join('\n'), text: answer.text });
      return answer;
    },
  };
}

/** Serves `student` with the real server and traces it against `key` on `prompts` (asked at `temperature`) until `maxScored` tuples (or p far past 1e-6). */
export async function traceStudent(student: GenerativeStudent, ownerTokenizer: Tokenizer, key: WatermarkKey, prompts: readonly string[], maxScored: number, maxTokens: number, temperature: number): Promise<SuspectTrace> {
  const server = await startLanguageModelServer({ student, modelName: 'suspect' });
  const answers: Array<{ prompt: string; text: string }> = [];
  try {
    const suspect = recording(createSuspect({ baseURL: server.url, model: 'suspect', apiKey: 'unused', maxTokens, temperature, budgetUSD: 100, prices: { inputPer1M: 0.15, outputPer1M: 0.6 } }), answers);
    const result = await runTrace({
      key, tokenizer: traceTokenizerOf('the owner model', ownerTokenizer), suspect,
      prompts: prompts.map((content) => ({ messages: [{ role: 'user', content }] })),
      targetP: 1e-12, maxTokensScored: maxScored, rounds: 50,
    });
    const first = result.curve.find((point) => point.scored >= 25 && point.log10P + Math.log10(point.answers) <= -6);
    return { result, answers, scoredAt1e6: first?.scored ?? null, log10P: result.score.log10P, scored: result.score.scored, greenShare: result.score.statistic / Math.max(1, result.score.scored) };
  } finally {
    await server.close();
  }
}

/** The same texts scored under `keys` random KGW keys of the owner's γ and h: each key's log10 p (the control's null). */
export function randomKeyLog10Ps(answers: ReadonlyArray<{ prompt: string; text: string }>, ownerTokenizer: Tokenizer, like: WatermarkKey, keys: number): number[] {
  const encoded = answers.map((answer) => ({ tokens: ownerTokenizer.encode(answer.text), prompt: ownerTokenizer.encode(answer.prompt) }));
  return Array.from({ length: keys }, () => {
    const scorer = new TraceScorer(generateWatermarkKey('kgw', { gamma: like.gamma, delta: like.delta, contextWidth: like.contextWidth }));
    for (const answer of encoded) scorer.add(answer.tokens, answer.prompt);
    return scorer.score().log10P;
  });
}

/** The green share and p-value of texts under `key` (the harvest itself, before any training). */
export function scoreTexts(texts: ReadonlyArray<{ prompt: string; text: string }>, ownerTokenizer: Tokenizer, key: WatermarkKey): { scored: number; greenShare: number; log10P: number } {
  const scorer = new TraceScorer(key);
  for (const text of texts) scorer.add(ownerTokenizer.encode(text.text), ownerTokenizer.encode(text.prompt));
  const score = scorer.score();
  return { scored: score.scored, greenShare: score.statistic / Math.max(1, score.scored), log10P: score.log10P };
}
