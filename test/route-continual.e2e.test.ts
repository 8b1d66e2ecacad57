/**
 * `distillery route --retrain-every` end to end: a student distilled from a few of the real demo
 * teacher's answers, behind the real route, with the official client sending traffic. Escalated
 * calls come back as training examples, a retrain runs on a worker thread, shadow calls are asked of
 * the teacher too, and /metrics says so (behind DISTILLERY_E2E=1, which CI sets: about a minute).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCodeCorpus } from '../src/demo/corpus.js';
import { LANGUAGE_LABELS } from '../src/demo/language-labels.js';
import { startLanguageTeacherServer, type LanguageTeacherServer } from '../src/demo/language-teacher-server.js';
import { prepareLearning } from '../src/route/prepare-learning.js';
import { prepareRoute } from '../src/route/prepare.js';
import { ROUTE_HEADER, startRouteServer } from '../src/route/route-server.js';
import { runCli } from './cli-helpers.js';

const enabled = process.env['DISTILLERY_E2E'] === '1';
const MODEL = 'vscode-languagedetection';
let folder: string;
let teacher: LanguageTeacherServer;
let traffic: string[];

beforeAll(async () => {
  if (!enabled) return;
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-route-continual-'));
  teacher = await startLanguageTeacherServer();
  const corpus = (await buildCodeCorpus({ limit: 330, perLabelCap: 40 })).map((item) => item.text);
  writeFileSync(path.join(folder, 'inputs.jsonl'), corpus.slice(0, 70).map((text) => JSON.stringify({ text })).join('\n'));
  traffic = corpus.slice(70);
  writeFileSync(path.join(folder, 'task.yaml'), [
    'name: continual', 'teacher:', `  baseURL: ${teacher.url}`, `  model: ${MODEL}`, '  logprobs: true', '  topLogprobs: 20',
    'prompt:', '  messages:', '    - role: user', '      content: "{{text}}"', `labels: [${LANGUAGE_LABELS.join(', ')}]`,
    'inputs:', '  path: inputs.jsonl', 'student:', '  kind: ngram', 'budget:', '  maxUSD: 1', '',
  ].join('\n'));
  const run = await runCli(['run', path.join(folder, 'task.yaml')]);
  expect(run.code).toBe(0);
}, 180_000);

afterAll(async () => {
  if (!enabled) return;
  await teacher.close();
  rmSync(folder, { recursive: true, force: true });
});

describe.skipIf(!enabled)('distillery route --retrain-every', () => {
  it('turns escalated calls into examples, retrains on a worker thread while answering, and asks shadow calls of the teacher', async () => {
    const lines: string[] = [];
    const prepared = await prepareRoute(path.join(folder, 'task.yaml'), 0.97);
    const learning = await prepareLearning(prepared, { retrainEvery: 40, targetAgreement: 0.97, shadowRate: 0.5, driftWindow: 50, log: (line) => lines.push(line) });
    const route = await startRouteServer({ ...prepared.options, learning });
    try {
      const client = new OpenAI({ baseURL: route.url, apiKey: 'unused', maxRetries: 0 });
      const before = teacher.calls();
      const routes: Record<string, number> = {};
      for (const [index, text] of traffic.entries()) {
        const request = { model: MODEL, messages: [{ role: 'user' as const, content: text }] };
        let route: string | null;
        if (index % 7 === 0) {
          const { data: stream, response } = await client.chat.completions.create({ ...request, stream: true }).withResponse();
          for await (const chunk of stream) void chunk;
          route = response.headers.get(ROUTE_HEADER);
        } else {
          route = (await client.chat.completions.create(request).withResponse()).response.headers.get(ROUTE_HEADER);
        }
        routes[route ?? 'none'] = (routes[route ?? 'none'] ?? 0) + 1;
      }
      await learning.settle();
      await learning.learner.idle();
      const escalated = routes['teacher'] ?? 0;
      expect(escalated).toBeGreaterThan(40);
      // Every call the teacher answered was asked once (escalations) or once more (shadow calls).
      expect(teacher.calls() - before).toBe(escalated + learning.shadow.sent);
      expect(learning.shadow.sent).toBeGreaterThan(0);
      const kept = readFileSync(path.join(folder, '.distillery', 'continual', 'route-escalations.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { heldOut?: boolean });
      // The detector answers "unknown" (no label) for snippets too short for it: those are not kept.
      expect(kept.filter((row) => row.heldOut !== true).length).toBeLessThanOrEqual(escalated);
      expect(kept.filter((row) => row.heldOut !== true).length).toBeGreaterThan(escalated * 0.8);
      expect(kept.filter((row) => row.heldOut === true).length).toBe(learning.shadow.sent - learning.shadow.failed);
      expect(learning.learner.history.length).toBeGreaterThanOrEqual(1);
      expect(lines.some((line) => /retrained on \d+ examples/.test(line))).toBe(true);
      const metrics = await (await fetch(route.url.replace(/\/v1$/, '/metrics'))).text();
      expect(metrics).toContain(`distillery_route_retrains_total{outcome="promoted"} ${learning.learner.history.filter((report) => report.promoted).length}`);
      expect(metrics).toMatch(/distillery_route_drift\{signal="escalation-rate"\} [01]/);
      expect(metrics).toContain(`distillery_route_student_generation ${route.slot.generation}`);
    } finally {
      await route.close();
    }
  }, 240_000);
});
