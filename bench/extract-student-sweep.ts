/**
 * The settings sweep behind EXTRACT_DEMO_STUDENT: one end-to-end distillation of the extract demo
 * (collect from the loopback teacher over HTTP, train, score held-out sentences) per call, with
 * overrides of the chosen settings given as JSON. Prints the figures and, with --json, one object.
 *   node --import tsx bench/extract-student-sweep.ts
 *   node --import tsx bench/extract-student-sweep.ts --test=300 --set='{"teacherCalls":1000,"config":{"width":96}}'
 */
import { EXTRACT_DEMO_STUDENT, type ExtractStudentSettings } from '../src/demo/extract-student-settings.js';
import { describeDistillation, distilExtract } from './extract-student.js';

const argument = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);

/** The chosen settings with `--set` overrides merged one level deep. */
function settingsFromArguments(): ExtractStudentSettings {
  const overrides = JSON.parse(argument('set') ?? '{}') as Partial<ExtractStudentSettings>;
  return {
    ...EXTRACT_DEMO_STUDENT, ...overrides,
    config: { ...EXTRACT_DEMO_STUDENT.config, ...overrides.config },
    training: { ...EXTRACT_DEMO_STUDENT.training, ...overrides.training },
  };
}

async function main(): Promise<void> {
  const settings = settingsFromArguments();
  const run = await distilExtract(settings, Number(argument('test') ?? 300));
  process.stdout.write(`${JSON.stringify(settings)}\n${describeDistillation(run)}\n`);
  if (process.argv.includes('--worst')) {
    const worst = [...run.evaluation.examples].sort((a, b) => a.score - b.score).slice(0, 8);
    for (const example of worst) process.stdout.write(`  ${example.score.toFixed(2)} | ${example.input}\n    T ${example.teacher}\n    S ${example.student}\n`);
  }
  if (process.argv.includes('--json')) {
    const { student: _student, evaluation, ...rest } = run;
    process.stdout.write(`${JSON.stringify({ ...rest, fieldF1: evaluation.fieldF1, validRate: evaluation.validRate, exactMatch: evaluation.exactMatch, perField: evaluation.metrics.perField })}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/extract-student-sweep: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
