/**
 * `evidence-gating`: what a capability gate costs a distiller. The demo teacher (VS Code's language
 * detector, OpenAI-compatible on loopback) behind the real guard gateway, with two keys: one on an
 * open tier, one on a tier whose policy drops logprobs (so the distiller gets hard labels only). The
 * ordinary pipeline (`runTask`: collect → curate → train → evaluate) distils a student through each
 * key from the same snippets, so both pay the same number of teacher calls; each student's agreement
 * with the teacher is measured on the same held-out split. Repeats retrain with other student seeds
 * on the same collected answers. Knob: --limit=N snippets (default 4000; 1200 with --quick).
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildCodeCorpus, writeCorpusJsonl, type CorpusItem } from '../../src/demo/corpus.js';
import { DEMO_PROMPT } from '../../src/demo/demo-task.js';
import { LANGUAGE_LABELS } from '../../src/demo/language-labels.js';
import { startLanguageTeacherServer } from '../../src/demo/language-teacher-server.js';
import { createKey, openSqliteGuardStore, startGateway, type Gateway, type PolicyConfig } from '../../src/guard/index.js';
import { runTask, type RunTaskResult } from '../../src/pipeline/run-task.js';
import type { LoadedTask } from '../../src/task/load.js';
import { taskSpecSchema } from '../../src/task/schema.js';
import { metric } from '../load/measure.js';
import type { BenchOptions } from '../options.js';
import { format, machineFacts, writeSection, type BenchmarkEntry } from '../report.js';

const KEY_ENV = 'EVIDENCE_GATING_KEY';
const TEACHER_MODEL = 'vscode-languagedetection';
/** The gated tier's policy: logprobs dropped. Detector thresholds off, so neither key is throttled mid-harvest (the gate alone is measured). */
const POLICY: PolicyConfig = {
  default: { flagAt: null, throttleAt: null, blockAt: null },
  gates: { tiers: { gated: { logprobs: false } } },
};
/** The demo's student (src/demo/run-demo.ts). */
const STUDENT = { kind: 'bag-mlp', buckets: 16_384, dim: 32, wordNgrams: 3, textCharNgrams: 2, bagMlp: { hiddenSizes: [128] } } as const;

/** The demo task pointed at the gateway, for one project folder and student seed. */
function gatedTask(projectDir: string, baseURL: string, seed: number): LoadedTask {
  const spec = taskSpecSchema.parse({
    name: 'evidence-gating', project: '.',
    teacher: { baseURL, model: TEACHER_MODEL, logprobs: true, topLogprobs: 20, timeoutMs: 30_000, apiKeyEnv: KEY_ENV },
    prompt: { messages: DEMO_PROMPT.map((message) => ({ ...message })) },
    labels: [...LANGUAGE_LABELS],
    inputs: { path: 'inputs.jsonl', goldField: 'gold', maxChars: 1500 },
    budget: { maxUSD: 1 }, limits: { concurrency: 4 },
    student: { ...STUDENT, seed },
  });
  return { spec, file: path.join(projectDir, 'task.yaml'), baseDir: projectDir, projectDir };
}

/** One arm: a key on a tier, distilled through the gateway; one result per seed. */
interface Arm { tier: 'open' | 'gated'; runs: RunTaskResult[]; warnings: Set<string>; stored: { answers: number; soft: number } }

/** Answers in an arm's store, and how many carry a distribution (soft label): what the distiller actually got. */
function storedAnswers(projectDir: string): { answers: number; soft: number } {
  const database = new Database(path.join(projectDir, 'distillery.sqlite'), { readonly: true });
  try {
    const row = database.prepare('SELECT COUNT(*) AS answers, COALESCE(SUM(distribution IS NOT NULL), 0) AS soft FROM responses').get() as { answers: number; soft: number };
    return row;
  } finally {
    database.close();
  }
}

/** Collects through the gateway with `secret` once, then trains and evaluates one student per seed. */
async function distil(arm: Arm, folder: string, corpus: readonly CorpusItem[], gateway: Gateway, secret: string, seeds: readonly number[]): Promise<void> {
  const projectDir = path.join(folder, arm.tier);
  await mkdir(projectDir, { recursive: true });
  await writeCorpusJsonl(corpus, path.join(projectDir, 'inputs.jsonl'));
  for (const seed of seeds) {
    const result = await runTask({
      task: gatedTask(projectDir, gateway.url, seed), retrain: true, env: { ...process.env, [KEY_ENV]: secret },
      emit: (event) => {
        if (event.type === 'warning') arm.warnings.add(event.message);
      },
    });
    arm.runs.push(result);
    arm.stored = storedAnswers(projectDir);
    process.stderr.write(`  ${arm.tier} seed ${seed}: ${result.collection?.called ?? 0} teacher calls this run, agreement ${format((result.evaluation?.report.agreement ?? Number.NaN) * 100)}%\n`);
  }
}

const agreements = (arm: Arm) => arm.runs.map((run) => (run.evaluation?.report.agreement ?? Number.NaN) * 100);
const goldAccuracies = (arm: Arm) => arm.runs.map((run) => (run.evaluation?.report.studentVsGold?.accuracy ?? Number.NaN) * 100);
const calls = (arm: Arm) => arm.runs.reduce((sum, run) => sum + (run.collection?.called ?? 0), 0);

/** The benchmark entry from both arms. */
function entry(options: BenchOptions, open: Arm, gated: Arm, snippets: number, header: string | null): BenchmarkEntry {
  const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const loss = medianOf(agreements(open)) - medianOf(agreements(gated));
  const report = open.runs[0]?.evaluation?.report;
  const interval = (arm: Arm) => {
    const first = arm.runs[0]?.evaluation?.report.agreementInterval;
    return first === undefined ? 'n/a' : `${format(first.lower * 100)}–${format(first.upper * 100)}%`;
  };
  return {
    id: 'evidence-gating', title: 'What a logprobs gate costs a distiller (classify, the demo teacher)', command: options.command, repeats: options.repeats,
    dataset: `${snippets} source snippets from this install (the demo corpus), labelled by the demo teacher (VS Code's language detector, 54 languages) behind the guard gateway; ${report?.testExamples ?? 0} held-out test snippets`,
    settings: `two guard keys on one gateway: tier "open" (no gates) and tier "gated" (policy gates: { tiers: { gated: { logprobs: false } } }); detector thresholds off so neither key is throttled; the distiller asks for logprobs with top_logprobs=20 through both; the same snippets through each key, so equal teacher calls (${calls(open)} open, ${calls(gated)} gated); the demo's bag-mlp student, ${options.repeats} student seed(s) trained on the same collected answers; agreement with the teacher's label on the same test split`,
    peerName: 'open tier (soft labels)', oursName: 'gated tier (hard labels)',
    metrics: [
      metric('student agreement with the teacher (test)', '%', 'higher', agreements(gated), agreements(open)),
      metric('student accuracy against the file extension (test)', '%', 'higher', goldAccuracies(gated), goldAccuracies(open)),
      metric('teacher calls paid', 'calls', 'lower', [calls(gated)], [calls(open)]),
    ],
    notes: [
      `The gate costs the distiller ${format(loss)} percentage points of agreement at equal calls (median over seeds: open ${format(medianOf(agreements(open)))}%, gated ${format(medianOf(agreements(gated)))}%).`,
      `95% Wilson intervals of the first seed's agreement over the ${report?.testExamples ?? 0} test snippets: open ${interval(open)}, gated ${interval(gated)}; a difference inside them is not evidence either way.`,
      `What each distiller stored: open ${open.stored.soft} of ${open.stored.answers} answers with a soft label (top-20 distribution), gated ${gated.stored.soft} of ${gated.stored.answers}.`,
      `The gated key's answers carried \`x-distillery-gated: ${header ?? '(none)'}\` (one request checked after the run).`,
      'Only the logprobs gate is measured here: the demo teacher is a classifier, so n, max_tokens and reasoning gates do not apply to it. Field F1 for extract through a gated tier is not measured yet.',
      `Timings play no part in this entry; the machine was shared with other sessions (load average ${os.loadavg().map((value) => value.toFixed(1)).join(' / ')} at the end of the run).`,
    ],
    extra: { agreements: { open: agreements(open), gated: agreements(gated) }, gold: { open: goldAccuracies(open), gated: goldAccuracies(gated) }, calls: { open: calls(open), gated: calls(gated) }, warnings: [...gated.warnings], stored: { open: open.stored, gated: gated.stored }, loadAverage: os.loadavg() },
  };
}

/** The header a gated key's request gets, from one real call through the gateway. */
async function gatedHeader(gateway: Gateway, secret: string): Promise<string | null> {
  const response = await fetch(`${gateway.url}/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: TEACHER_MODEL, messages: [{ role: 'user', content: 'print("hi")' }], logprobs: true, top_logprobs: 20 }),
  });
  await response.arrayBuffer();
  return response.headers.get('x-distillery-gated');
}

/** Runs the section. */
export async function run(options: BenchOptions): Promise<void> {
  const limit = Number(options.argument('limit') ?? (options.quick ? 600 : 4000));
  const folder = path.resolve('.bench-cache', 'evidence-gating');
  rmSync(folder, { recursive: true, force: true });
  const corpus = await buildCodeCorpus({ limit, perLabelCap: Math.ceil(limit / 4) });
  const teacher = await startLanguageTeacherServer();
  const guardStore = openSqliteGuardStore(path.join(os.tmpdir(), `evidence-gating-${process.pid}.db`));
  const gateway = await startGateway({ upstreamUrl: teacher.url, store: guardStore, policy: POLICY, onError: () => undefined });
  try {
    const secrets = { open: (await createKey(guardStore, { name: 'open', tier: 'open' })).secret, gated: (await createKey(guardStore, { name: 'gated', tier: 'gated' })).secret };
    const seeds = Array.from({ length: options.repeats }, (_, index) => index + 1);
    const open: Arm = { tier: 'open', runs: [], warnings: new Set(), stored: { answers: 0, soft: 0 } };
    const gated: Arm = { tier: 'gated', runs: [], warnings: new Set(), stored: { answers: 0, soft: 0 } };
    await distil(open, folder, corpus, gateway, secrets.open, seeds);
    await distil(gated, folder, corpus, gateway, secrets.gated, seeds);
    const header = await gatedHeader(gateway, secrets.gated);
    writeSection({
      id: 'evidence-gating', title: 'Evidence: capability gates against distillation', quick: options.quick, facts: machineFacts(), entries: [entry(options, open, gated, corpus.length, header)],
    });
  } finally {
    await gateway.close();
    await guardStore.close();
    await teacher.close();
    rmSync(path.join(os.tmpdir(), `evidence-gating-${process.pid}.db`), { force: true });
  }
}
