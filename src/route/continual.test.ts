import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStudent } from '../student/registry.js';
import { loadStudentFile } from '../student/file-format.js';
import { SYNTHETIC_LABELS, syntheticExamples, testSettings } from '../student/synthetic-task.js';
import type { TrainingExample } from '../student/types.js';
import type { RetrainRequest } from './background-fit.js';
import { fitInBackground } from './background-fit.js';
import { ContinualLearner, type ContinualOptions } from './continual.js';

const labels = [...SYNTHETIC_LABELS];
const settings = testSettings();

/** Fits in-process (the route's worker thread is tested below), recording what it was asked to fit. */
function inProcessFit(requests: RetrainRequest[], corrupt = false) {
  return async (request: RetrainRequest) => {
    requests.push(request);
    // A corrupting fit learns shuffled labels: a candidate that is worse and must not be promoted.
    const train = corrupt ? request.train.map((example, index) => ({ ...example, label: (example.label + 1 + (index % 3)) % labels.length, soft: null })) : request.train;
    const student = createStudent(request.kind, request.labels, request.settings);
    const fit = student.fit(train, request.validation);
    return { student, seconds: fit.seconds };
  };
}

/** Escalations as the route would hand them over: the teacher's label by name. */
const escalationsOf = (examples: readonly TrainingExample[]) => examples.map((example) => ({ text: example.text, label: labels[example.label] as string, distribution: example.soft === undefined || example.soft === null ? null : Array.from(example.soft) }));

function setUp(overrides: Partial<ContinualOptions> = {}) {
  const all = syntheticExamples(900, 3);
  const base = { train: all.slice(0, 24), validation: all.slice(24, 224) };
  const start = createStudent('ngram', labels, settings);
  start.fit(base.train, base.validation);
  const requests: RetrainRequest[] = [];
  const lines: string[] = [];
  const options: ContinualOptions = {
    kind: 'ngram', labels, settings, base, retrainEvery: 100, targetAgreement: 0.9, fit: inProcessFit(requests),
    escalationsFile: null, studentFile: null, prompt: null, drift: null, log: (line) => lines.push(line), ...overrides,
  };
  const learner = new ContinualLearner(options, { student: start, threshold: 0.99, generation: 0 });
  return { learner, requests, lines, traffic: all.slice(224), base };
}

describe('continual learning behind the route', () => {
  it('retrains after every N new escalations on the base split plus the escalations, holding out about a fifth as the shadow sample', async () => {
    const { learner, requests, traffic, base } = setUp();
    for (const escalation of escalationsOf(traffic.slice(0, 99))) learner.addEscalation(escalation);
    await learner.idle();
    const beforeRetrain = learner.counts();
    expect(requests).toHaveLength(0);
    for (const escalation of escalationsOf(traffic.slice(99, 400))) learner.addEscalation(escalation);
    await learner.idle();
    const counts = learner.counts();
    expect(counts.train + counts.shadow).toBe(400);
    expect(counts.shadow / 400).toBeGreaterThan(0.12);
    expect(counts.shadow / 400).toBeLessThan(0.28);
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(requests[0]?.train.length).toBeGreaterThanOrEqual(base.train.length + 100);
    expect(requests[0]?.validation).toBe(base.validation);
    // No shadow example is ever trained on.
    const shadowTexts = new Set(traffic.slice(0, 400).map((example) => example.text).filter((text) => !requests.at(-1)?.train.some((example) => example.text === text)));
    expect(shadowTexts.size).toBeGreaterThanOrEqual(counts.shadow - 5);
    expect(beforeRetrain.sinceRetrain).toBeLessThan(100);
  });

  it('promotes a better student (the threshold calibrated again, the generation counted) and keeps the current one when the candidate is worse', async () => {
    const better = setUp();
    for (const escalation of escalationsOf(better.traffic.slice(0, 300))) better.learner.addEscalation(escalation);
    await better.learner.idle();
    const report = better.learner.history[0];
    expect(report?.candidateAgreement).toBeGreaterThan(report?.currentAgreement ?? 1);
    expect(report?.promoted).toBe(true);
    expect(better.learner.slot.generation).toBeGreaterThanOrEqual(1);
    expect(better.learner.slot.threshold).not.toBe(0.99);
    expect(better.lines[0]).toMatch(/retrained on \d+ examples \(\d+ escalations\).*→ promoted/);

    const requests: RetrainRequest[] = [];
    const corrupted = setUp({ fit: inProcessFit(requests, true) });
    for (const escalation of escalationsOf(corrupted.traffic.slice(0, 150))) corrupted.learner.addEscalation(escalation);
    await corrupted.learner.idle();
    expect(corrupted.learner.history[0]?.promoted).toBe(false);
    expect(corrupted.learner.slot.generation).toBe(0);
    expect(corrupted.learner.slot.threshold).toBe(0.99);
    expect(corrupted.lines[0]).toMatch(/kept the current student/);
  });

  it('keeps escalations in a file a restarted route reads back, writes the promoted student, and fits on a worker thread', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'continual-'));
    const escalationsFile = path.join(folder, 'route-escalations.jsonl');
    const studentFile = path.join(folder, 'student.bin');
    const first = setUp({ escalationsFile, studentFile, fit: fitInBackground, retrainEvery: 120 });
    for (const escalation of escalationsOf(first.traffic.slice(0, 160))) first.learner.addEscalation(escalation);
    await first.learner.idle();
    expect(readFileSync(escalationsFile, 'utf8').trim().split('\n')).toHaveLength(160);
    expect(first.learner.history[0]?.promoted).toBe(true);
    expect(existsSync(studentFile)).toBe(true);
    const saved = loadStudentFile(studentFile);
    const probe = first.traffic[500]?.text ?? '';
    expect(saved.predict(probe).label).toBe(first.learner.slot.student?.predict(probe).label);
    const restarted = setUp({ escalationsFile, studentFile });
    expect(restarted.learner.counts()).toMatchObject({ train: first.learner.counts().train, shadow: first.learner.counts().shadow, sinceRetrain: 0 });
  }, 60_000);
});
