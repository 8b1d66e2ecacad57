/** `kind:` and `schema:` in the task file: defaults, file:line errors, and prompts per kind. */
import { describe, expect, it } from 'vitest';
import { parseTaskSpec, parseTaskText, SpecError } from './load.js';
import { answerReader } from './task-kind.js';
import { buildMessages, templateFieldNames } from './template.js';

const classify = `name: sentiment
teacher:
  baseURL: https://api.openai.com/v1
  model: gpt-4o-mini
  apiKeyEnv: OPENAI_API_KEY
prompt:
  messages:
    - role: system
      content: "Answer with one of: {{labels}}"
    - role: user
      content: "{{text}}"
labels: [positive, negative]
inputs:
  path: reviews.jsonl
budget:
  maxUSD: 2
`;

const extract = `name: people
kind: extract
teacher:
  baseURL: https://api.openai.com/v1
  model: gpt-4o-mini
  apiKeyEnv: OPENAI_API_KEY
prompt:
  messages:
    - role: system
      content: "Answer with JSON matching {{schema}}"
    - role: user
      content: "{{text}}"
schema:
  type: object
  properties:
    people:
      type: array
      items:
        type: string
  required: [people]
inputs:
  path: sentences.jsonl
budget:
  maxUSD: 2
`;

/** The SpecError parsing `text` throws. */
function problemsOf(text: string): SpecError {
  try {
    parseTaskSpec(text, 'task.yaml');
  } catch (error) {
    if (error instanceof SpecError) return error;
    throw error;
  }
  throw new Error('expected a SpecError');
}

describe('task kinds in the task file', () => {
  it('defaults to classify, with its labels', () => {
    const spec = parseTaskSpec(classify);
    expect(spec.kind).toBe('classify');
    expect(spec.labels).toEqual(['positive', 'negative']);
  });

  it('an unknown kind is a file:line error listing the valid kinds', () => {
    const error = problemsOf(classify.replace('name: sentiment\n', 'name: sentiment\nkind: translate\n'));
    expect(error.problems[0]).toMatchObject({ field: 'kind', line: 2 });
    expect(error.message).toContain('task.yaml:2');
    expect(error.message).toContain('valid kinds: classify, extract, generate');
  });

  it('a classify task still needs two labels; labels on another kind are an error at their line', () => {
    expect(problemsOf(classify.replace('labels: [positive, negative]\n', '')).message).toContain('a task needs at least two labels');
    const error = problemsOf(extract.replace('inputs:\n', 'labels: [a, b]\ninputs:\n'));
    expect(error.problems[0]).toMatchObject({ field: 'labels', line: 21 });
    expect(error.message).toContain('labels apply to classify tasks only');
  });

  it('an extract task needs schema:, and a schema elsewhere is an error', () => {
    const withoutSchema = extract.replace(/schema:\n(  .*\n)+/, '');
    expect(problemsOf(withoutSchema).message).toContain('an extract task needs schema:');
    expect(problemsOf(classify.replace('inputs:\n', 'schema:\n  type: object\ninputs:\n')).message).toContain('schema applies to extract tasks only');
  });

  it('an invalid JSON Schema is an error at the line of the bad keyword', () => {
    const error = problemsOf(extract.replace('        type: string', '        type: strng'));
    expect(error.problems[0]).toMatchObject({ field: 'schema.properties.people.items.type', line: 19 });
    expect(error.message).toMatch(/task\.yaml:19:\d+: schema\.properties\.people\.items\.type: not a valid JSON Schema: must be equal to one of the allowed values/);
    const typo = problemsOf(extract.replace('  required: [people]', '  requird: [people]'));
    expect(typo.message).toContain('unknown keyword: "requird"');
  });

  it('extract fills {{schema}} (not an input field), reads answers against it, and does not ask for {{labels}}', () => {
    const parsed = parseTaskText(extract);
    expect(parsed.warnings).toEqual([]);
    expect(templateFieldNames(parsed.spec.prompt.messages)).toEqual([]);
    const messages = buildMessages(parsed.spec, 'Ada met Alan.');
    expect(messages[0]?.content).toBe(`Answer with JSON matching ${JSON.stringify(parsed.spec.schema)}`);
    const read = answerReader(parsed.spec);
    const base = { finishReason: 'stop' as const, rawFinishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1, estimated: false }, responseId: null, raw: {}, warnings: [] };
    expect(read({ ...base, text: '{"people": ["Ada", "Alan"]}' })).toMatchObject({ kind: 'label', value: { people: ['Ada', 'Alan'] } });
    expect(read({ ...base, text: '{"persons": []}' })).toMatchObject({ kind: 'junk' });
  });

  it('a generate task needs neither labels nor schema', () => {
    const generate = extract.replace('kind: extract', 'kind: generate').replace(/schema:\n(  .*\n)+/, '').replace(' matching {{schema}}', '');
    expect(parseTaskSpec(generate).kind).toBe('generate');
  });

  it('teacher.provider defaults to openai and accepts anthropic; anything else lists both', () => {
    expect(parseTaskSpec(classify).teacher.provider).toBe('openai');
    expect(parseTaskSpec(classify.replace('  model: gpt-4o-mini', '  provider: anthropic\n  model: claude-haiku-4-5')).teacher.provider).toBe('anthropic');
    expect(problemsOf(classify.replace('  model: gpt-4o-mini', '  provider: gemini\n  model: x')).message).toMatch(/openai.*anthropic/);
  });
});
