/**
 * `student.kind: auto`: trains a small grid of text students (the n-gram student at the task's
 * settings, and the bag-MLP at a few widths) on the same split and keeps the one with the best
 * VALIDATION agreement (ties go to the earlier, smaller candidate). The test split is never seen,
 * so the evaluation stays an honest estimate. Cost: the sum of the candidates' training times.
 */
import type { StudentSettings } from '../../task/schema.js';
import { bagMlpSettingsSchema } from '../../task/student-kind-settings.js';
import { StudentFileError } from '../file-container.js';
import { createBagMlpStudent } from '../bag-mlp/bag-mlp-student.js';
import { createNgramStudent } from '../ngram/ngram-student.js';
import type { CandidateReport, FitOptions, FitReport, Prediction, Student, TrainingExample } from '../types.js';

/** The registry key of this kind (never written to a file: the file records the kind picked). */
export const AUTO_KIND = 'auto';

/** Hidden widths of the bag-MLP candidates. */
export const AUTO_BAG_MLP_WIDTHS: readonly number[] = Object.freeze([32, 64, 128]);

/** One candidate: a name for reports and how to make it. */
interface Candidate { name: string; create: () => Student }

/** The grid: n-gram at the task's settings, then bag-MLPs of growing width (the task's other bag-MLP settings kept). */
export function autoCandidates(labels: readonly string[], settings: StudentSettings): Candidate[] {
  const ngram: Candidate = { name: 'ngram', create: () => createNgramStudent(labels, { ...settings, kind: 'ngram' }) };
  const bagMlps = AUTO_BAG_MLP_WIDTHS.map((width): Candidate => ({
    name: `bag-mlp[${width}]`,
    create: () => createBagMlpStudent(labels, { ...settings, kind: 'bag-mlp', bagMlp: { ...bagMlpSettingsSchema.parse(settings.bagMlp ?? {}), hiddenSizes: [width] } }),
  }));
  return [ngram, ...bagMlps];
}

class AutoStudent implements Student {
  readonly labels: readonly string[];
  private readonly settings: StudentSettings;
  private chosen: Student | null = null;

  constructor(labels: readonly string[], settings: StudentSettings) {
    this.labels = Object.freeze([...labels]);
    this.settings = settings;
  }

  /** The picked candidate's kind once fitted. */
  get kind(): string {
    return this.chosen?.kind ?? AUTO_KIND;
  }

  fit(train: readonly TrainingExample[], validation: readonly TrainingExample[], options: FitOptions = {}): FitReport {
    const started = performance.now();
    const candidates: CandidateReport[] = [];
    let best: { student: Student; report: FitReport; agreement: number } | null = null;
    for (const candidate of autoCandidates(this.labels, this.settings)) {
      const student = candidate.create();
      const report = student.fit(train, validation, options);
      const agreement = report.epochs.find((epoch) => epoch.epoch === report.bestEpoch)?.validationAgreement ?? 0;
      candidates.push({ name: candidate.name, kind: student.kind, validationAgreement: agreement, parameters: student.parameterCount(), seconds: report.seconds, chosen: false });
      if (best === null || agreement > best.agreement) best = { student, report, agreement };
    }
    if (best === null) throw new Error('internal: the auto grid is empty');
    this.chosen = best.student;
    const pickedIndex = candidates.findIndex((candidate) => candidate.validationAgreement === best.agreement);
    (candidates[pickedIndex] as CandidateReport).chosen = true;
    return { ...best.report, seconds: (performance.now() - started) / 1000, candidates };
  }

  predict(text: string): Prediction {
    return this.fitted().predict(text);
  }

  toBytes(): Uint8Array {
    return this.fitted().toBytes();
  }

  parameterCount(): number {
    return this.chosen?.parameterCount() ?? 0;
  }

  private fitted(): Student {
    if (this.chosen === null) throw new Error('an auto student picks its kind when fitted: call fit first');
    return this.chosen;
  }
}

/** A new auto student: it becomes one of the grid's kinds when fitted. */
export function createAutoStudent(labels: readonly string[], settings: StudentSettings): Student {
  return new AutoStudent(labels, settings);
}

/** Never called for a valid file: a saved auto student records the kind it picked. */
export function autoStudentFromFile(): Student {
  throw new StudentFileError('student file kind "auto" is not valid: a saved student records the kind auto picked');
}
