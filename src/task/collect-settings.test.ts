import { describe, expect, it } from 'vitest';
import { parseTaskSpec, SpecError } from './load.js';

const base = `name: sentiment
teacher: { baseURL: "https://api.openai.com/v1", model: gpt-4o-mini }
prompt: { messages: [{ role: user, content: "{{text}}" }] }
labels: [positive, negative]
inputs: { path: reviews.jsonl }
budget: { maxUSD: 2 }
`;

/** The one-line problems of a task file that does not validate. */
function problems(text: string): string {
  try {
    parseTaskSpec(text, 'task.yaml');
  } catch (error) {
    if (error instanceof SpecError) return error.message;
    throw error;
  }
  throw new Error('the task file validated');
}

describe('collect settings in the task file', () => {
  it('default to random selection, with active settings filled in', () => {
    const spec = parseTaskSpec(base);
    expect(spec.collect.selection).toBe('random');
    expect(spec.collect.active).toMatchObject({ seedSize: 20, heldOutSize: 200, batchSize: 10, batchGrowth: 0.2, uncertainty: 'margin', targetAgreement: 0.9 });
  });

  it('read selection: active and its settings', () => {
    const spec = parseTaskSpec(`${base}collect: { selection: active, active: { batchSize: 50, uncertainty: entropy, targetAgreement: 0.95 } }\n`);
    expect(spec.collect).toMatchObject({ selection: 'active', active: { batchSize: 50, uncertainty: 'entropy', targetAgreement: 0.95, seedSize: 20 } });
  });

  it('reject an unknown selection, a bad target and an unknown key, at their lines', () => {
    expect(problems(`${base}collect: { selection: smart }\n`)).toMatch(/task\.yaml:7.*collect\.selection.*random.*active/);
    expect(problems(`${base}collect: { selection: active, active: { targetAgreement: 1.5 } }\n`)).toMatch(/collect\.active\.targetAgreement/);
    expect(problems(`${base}collect: { selection: active, active: { batch: 50 } }\n`)).toMatch(/collect\.active.*batch/);
  });
});
