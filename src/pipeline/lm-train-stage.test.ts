/** `student.lm.copyStrings`: auto copies for an extract task only when the teacher's strings are spans of the input. */
import { describe, expect, it } from 'vitest';
import type { LoadedTask } from '../task/load.js';
import { languageModelSettingsSchema } from '../task/student-kind-settings.js';
import type { LanguageModelExample } from './lm-examples.js';
import { copyStringsFor } from './lm-train-stage.js';

const task = (kind: 'extract' | 'generate') => ({ spec: { kind } }) as unknown as LoadedTask;
const example = (prompt: string, names: string[]): LanguageModelExample => ({ id: prompt, split: 'train', prompt, answer: JSON.stringify({ names }) });
const copied = Array.from({ length: 60 }, (_, index) => example(`Ada ${index} met Bo in Rome.`, ['Ada', 'Rome']));

describe('copyStringsFor', () => {
  const auto = languageModelSettingsSchema.parse({});

  it('copies when at least 98% of the teacher strings are spans of the input', () => {
    expect(copyStringsFor(task('extract'), auto, copied)).toEqual({ copy: true, strings: 120, copied: 120 });
    expect(copyStringsFor(task('extract'), auto, [...copied, example('Ada met Bo.', ['Grace'])])).toMatchObject({ copy: true, copied: 120, strings: 121 });
    const rewritten = [...copied, ...Array.from({ length: 3 }, () => example('Ada met Bo.', ['Grace']))];
    expect(copyStringsFor(task('extract'), auto, rewritten)).toMatchObject({ copy: false, copied: 120, strings: 123 });
  });

  it('never copies on its own for a generate task or an answer without strings; as set otherwise', () => {
    expect(copyStringsFor(task('generate'), auto, copied).copy).toBe(false);
    expect(copyStringsFor(task('extract'), auto, [example('Ada.', [])]).copy).toBe(false);
    expect(copyStringsFor(task('extract'), languageModelSettingsSchema.parse({ copyStrings: false }), copied).copy).toBe(false);
    expect(copyStringsFor(task('extract'), languageModelSettingsSchema.parse({ copyStrings: true }), [example('Ada.', ['Grace'])]).copy).toBe(true);
  });
});
