/** The `student:` block of extract and generate tasks: auto (extract) and lm (generate) by default, settings checked at their lines. */
import { describe, expect, it } from 'vitest';
import { parseTaskSpec, SpecError } from './load.js';
import { languageModelShape } from './student-kind-settings.js';

const EXTRACT = `name: people
kind: extract
teacher:
  baseURL: http://127.0.0.1:9/v1
  model: m
prompt:
  messages:
    - role: user
      content: "{{text}}"
schema:
  type: object
  properties: { people: { type: array, items: { type: string } } }
inputs:
  path: inputs.jsonl
budget:
  maxUSD: 1
`;

/** The SpecError message for `text`, or a failure. */
function errorOf(text: string): string {
  try {
    parseTaskSpec(text, 'task.yaml');
  } catch (error) {
    if (error instanceof SpecError) return error.message;
    throw error;
  }
  throw new Error('expected a SpecError');
}

describe('student settings of extract and generate tasks', () => {
  it('gives extract tasks auto (span tagger or lm) and generate tasks lm when the task names none, or names auto', () => {
    expect(parseTaskSpec(EXTRACT).student.kind).toBe('auto');
    expect(parseTaskSpec(`${EXTRACT}student:\n  kind: auto\n  seed: 4\n`).student).toMatchObject({ kind: 'auto', seed: 4 });
    expect(parseTaskSpec(`${EXTRACT}student:\n  kind: span\n`).student.kind).toBe('span');
    expect(parseTaskSpec(`${EXTRACT}student:\n  kind: lm\n`).student.kind).toBe('lm');
    const generate = EXTRACT.replace('kind: extract', 'kind: generate').replace(/schema:[\s\S]*?inputs:/, 'inputs:');
    expect(parseTaskSpec(generate).student.kind).toBe('lm');
    expect(parseTaskSpec(`${generate}student:\n  kind: auto\n`).student.kind).toBe('lm');
  });

  it('fills the span settings (epochs tried on validation, feature bits) and points at a bad one\'s line', () => {
    expect(parseTaskSpec(`${EXTRACT}student:\n  span: { bits: 16 }\n`).student.span).toEqual({ epochs: [10, 20, 30], bits: 16, minSpanShare: 0.9 });
    expect(errorOf(`${EXTRACT}student:\n  kind: span\n  span:\n    bits: 40\n`)).toMatch(/task\.yaml:20:\d+: student\.span\.bits/);
    expect(errorOf(`${EXTRACT}student:\n  span:\n    epochs: []\n`)).toMatch(/task\.yaml:19:\d+: student\.span\.epochs/);
  });

  it('refuses the span student for generate and classify tasks, at the line of student.kind', () => {
    const generate = EXTRACT.replace('kind: extract', 'kind: generate').replace(/schema:[\s\S]*?inputs:/, 'inputs:');
    expect(errorOf(`${generate}student:\n  kind: span\n`)).toMatch(/task\.yaml:\d+:\d+: student\.kind: generate tasks train the language-model student: use kind: lm \(or leave it out\), not span: the span tagger answers extract tasks only/);
    expect(errorOf(`${generate}student:\n  span: { bits: 12 }\n`)).toMatch(/student\.span: student\.span applies to extract tasks only/);
    const classify = EXTRACT.replace('kind: extract\n', '').replace(/schema:[\s\S]*?inputs:/, 'labels: [a, b]\ninputs:');
    expect(errorOf(`${classify}student:\n  kind: span\n`)).toMatch(/student\.kind: the span student is for extract tasks/);
  });

  it('fills the lm settings from a size preset, explicit fields over it', () => {
    const spec = parseTaskSpec(`${EXTRACT}student:\n  lm: { size: base, layers: 3, steps: 100 }\n`);
    expect(spec.student.lm).toMatchObject({ size: 'base', layers: 3, steps: 100, vocabularySize: 1024, tokenizer: 'auto', storage: 'f16' });
    expect(languageModelShape(spec.student.lm ?? { size: 'small' })).toEqual({ width: 256, layers: 3, heads: 8, keyValueHeads: 4, hiddenWidth: 688 });
    expect(languageModelShape({ size: 'small', heads: 2 })).toMatchObject({ heads: 2, keyValueHeads: 2 });
  });

  it('copies strings from the input when the data say so (auto), or as set', () => {
    expect(parseTaskSpec(EXTRACT).student.lm?.copyStrings ?? 'auto').toBe('auto');
    expect(parseTaskSpec(`${EXTRACT}student:\n  lm: { copyStrings: false }\n`).student.lm?.copyStrings).toBe(false);
    expect(errorOf(`${EXTRACT}student:\n  lm:\n    copyStrings: yes please\n`)).toMatch(/task\.yaml:19:\d+: student\.lm\.copyStrings/);
  });

  it('points at the line of a shape that does not fit, of steps with epochs, and of an unknown key', () => {
    expect(errorOf(`${EXTRACT}student:\n  lm:\n    width: 100\n    heads: 3\n`)).toMatch(/task\.yaml:19:\d+: student\.lm\.width: width 100 does not divide into 3 heads/);
    expect(errorOf(`${EXTRACT}student:\n  lm:\n    steps: 10\n    epochs: 2\n`)).toMatch(/task\.yaml:20:\d+: student\.lm\.epochs: give steps or epochs, not both/);
    expect(errorOf(`${EXTRACT}student:\n  lm:\n    layer: 2\n`)).toMatch(/task\.yaml:19:\d+: student\.lm/);
  });

  it('refuses a classify student for extract, and the lm student for classify', () => {
    expect(errorOf(`${EXTRACT}student:\n  kind: bag-mlp\n`)).toMatch(/task\.yaml:18:\d+: student\.kind: extract tasks train the span tagger or the language-model student: use kind: auto \(or leave it out\), span or lm, not bag-mlp/);
    const classify = EXTRACT.replace('kind: extract\n', '').replace(/schema:[\s\S]*?inputs:/, 'labels: [a, b]\ninputs:');
    expect(errorOf(`${classify}student:\n  kind: lm\n`)).toMatch(/student\.kind: the lm student is for extract and generate tasks/);
  });
});
