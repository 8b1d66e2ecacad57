/** The `student:` block of extract and generate tasks: the lm student by default, its settings checked at their lines. */
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
  it('gives the lm student when the task names none, or names auto', () => {
    expect(parseTaskSpec(EXTRACT).student.kind).toBe('lm');
    expect(parseTaskSpec(`${EXTRACT}student:\n  kind: auto\n  seed: 4\n`).student).toMatchObject({ kind: 'lm', seed: 4 });
    expect(parseTaskSpec(`${EXTRACT.replace('kind: extract', 'kind: generate').replace(/schema:[\s\S]*?inputs:/, 'inputs:')}`).student.kind).toBe('lm');
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
    expect(errorOf(`${EXTRACT}student:\n  kind: bag-mlp\n`)).toMatch(/task\.yaml:18:\d+: student\.kind: extract tasks train the language-model student/);
    const classify = EXTRACT.replace('kind: extract\n', '').replace(/schema:[\s\S]*?inputs:/, 'labels: [a, b]\ninputs:');
    expect(errorOf(`${classify}student:\n  kind: lm\n`)).toMatch(/student\.kind: the lm student is for extract and generate tasks/);
  });
});
