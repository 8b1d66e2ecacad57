/**
 * The extract demo's teacher (compromise behind its loopback OpenAI-compatible server), timed over
 * HTTP on the demo's corpus: latency p50/p99 one call at a time, throughput with calls in flight, the
 * model's own ms per call, and cost per 1M calls against gpt-4o-mini's listed price. The teacher half
 * of the later `extract-student-vs-teacher` benchmark entry.
 *   node --import tsx bench/extract-teacher.ts                     # 3000 sentences, 4 in flight
 *   node --import tsx bench/extract-teacher.ts --limit=500 --concurrency=8 --seed=1 --json
 */
import { buildSentenceCorpus } from '../src/demo/sentence-corpus.js';
import { timeExtractTeacher, type ExtractTeacherTiming } from '../src/demo/extract-teacher-timing.js';

/** A `--name=value` argument as a positive integer, or the default. */
function integerArgument(name: string, fallback: number, minimum = 1): number {
  const raw = process.argv.find((argument) => argument.startsWith(`--${name}=`))?.slice(name.length + 3);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < minimum) throw new Error(`--${name} must be an integer ≥ ${minimum}, got ${raw}`);
  return value;
}

/** The figures as the lines people read. */
function describe(timing: ExtractTeacherTiming, command: string): string {
  const { latency } = timing;
  return [
    `extract teacher (compromise over HTTP, openai client), ${timing.calls} sentences`,
    `  latency one at a time: p50 ${latency.p50Ms.toFixed(2)} ms, p90 ${latency.p90Ms.toFixed(2)} ms, p99 ${latency.p99Ms.toFixed(2)} ms, mean ${latency.meanMs.toFixed(2)} ms`,
    `  throughput, ${timing.concurrency} in flight: ${timing.throughputPerSecond.toFixed(1)} calls/s`,
    `  inside compromise: ${timing.modelMsPerCall.toFixed(2)} ms per call`,
    `  tokens per call: ${timing.promptTokensPerCall.toFixed(1)} prompt, ${timing.completionTokensPerCall.toFixed(1)} completion (o200k)`,
    `  cost per 1M calls: $${timing.gpt4oMiniPer1MCallsUSD.toFixed(2)} at gpt-4o-mini's listed price; $${timing.teacherPer1MCallsUSD.toFixed(4)} for compromise's CPU time at $${timing.cpuHourUSD}/vCPU-hour`,
    `  command: ${command}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const limit = integerArgument('limit', 3000);
  const concurrency = integerArgument('concurrency', 4);
  const seed = integerArgument('seed', 0, 0);
  const sentences = (await buildSentenceCorpus({ limit, seed })).map((item) => item.text);
  const timing = await timeExtractTeacher(sentences, { concurrency });
  const command = `node --import tsx bench/extract-teacher.ts ${process.argv.slice(2).join(' ')}`.trim();
  process.stdout.write(`${describe(timing, command)}\n`);
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify({ ...timing, limit, seed, command })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/extract-teacher: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
