/**
 * Issue 8, item 10: an app that only swapped its baseURL sends the teacher's templated prompt; the
 * student server inverts the task's template and classifies the recovered input, says how it found
 * the input in a response header, and refuses an empty or null input with a 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prediction, Student } from '../student/types.js';
import { startStudentServer, TEMPLATE_HEADER } from './student-server.js';

const LABELS = ['negative', 'positive'] as const;

/** A student that records what it was asked about and answers by keyword. */
function recordingStudent(): Student & { inputs: string[] } {
  const inputs: string[] = [];
  return {
    kind: 'recording-test',
    labels: LABELS,
    inputs,
    fit: () => {
      throw new Error('not trainable');
    },
    predict(text: string): Prediction {
      inputs.push(text);
      const index = text.includes('good') ? 1 : 0;
      return { label: LABELS[index] ?? 'negative', index, probabilities: Float32Array.from(index === 1 ? [0.2, 0.8] : [0.8, 0.2]) };
    },
    toBytes: () => new Uint8Array(),
    parameterCount: () => 0,
  };
}

const prompt = {
  messages: [
    { role: 'system', content: 'Classify the review. Answer with one of: {{labels}}. A good answer is one word.' },
    { role: 'user', content: 'Review titled "{{title}}":\n{{text}}' },
  ],
};
const templated = (title: string, text: string) => [
  { role: 'system', content: 'Classify the review. Answer with one of: negative, positive. A good answer is one word.' },
  { role: 'user', content: `Review titled "${title}":\n${text}` },
];

const student = recordingStudent();
const bare = recordingStudent();
let server: Awaited<ReturnType<typeof startStudentServer>>;
let bareServer: Awaited<ReturnType<typeof startStudentServer>>;

beforeAll(async () => {
  server = await startStudentServer({ student, modelName: 'reviews', prompt });
  bareServer = await startStudentServer({ student: bare, modelName: 'reviews' });
});

afterAll(async () => {
  await server.close();
  await bareServer.close();
});

async function post(url: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'reviews', ...body }) });
}

describe('the student server with the task template', () => {
  it('classifies the input the template recovers, not the whole templated message', async () => {
    student.inputs.length = 0;
    const response = await post(server.url, { messages: templated('My weekend', 'awful plot, dull acting') });
    expect(response.status).toBe(200);
    expect(response.headers.get(TEMPLATE_HEADER)).toBe('matched');
    // The system message says "good"; classifying the whole prompt would have answered positive.
    expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe('negative');
    expect(student.inputs).toEqual(['awful plot, dull acting']);
  });

  it('classifies the last user message where the template does not match, and says so', async () => {
    student.inputs.length = 0;
    const response = await post(server.url, { messages: [{ role: 'user', content: 'a good film' }] });
    expect(response.status).toBe(200);
    expect(response.headers.get(TEMPLATE_HEADER)).toBe('unmatched');
    expect(student.inputs).toEqual(['a good film']);
  });

  it('says so on a stream too', async () => {
    const response = await post(server.url, { messages: templated('t', 'good'), stream: true });
    expect(response.headers.get(TEMPLATE_HEADER)).toBe('matched');
    expect(await response.text()).toContain('data: [DONE]');
  });

  it('says none when it knows no template', async () => {
    const response = await post(bareServer.url, { messages: [{ role: 'user', content: 'good' }] });
    expect(response.headers.get(TEMPLATE_HEADER)).toBe('none');
  });

  it('answers 400 for a null, empty or blank user message, naming the field, and predicts nothing', async () => {
    bare.inputs.length = 0;
    student.inputs.length = 0;
    const cases: Array<[string, Array<Record<string, unknown>>, string]> = [
      [bareServer.url, [{ role: 'user', content: null }], 'messages[0].content'],
      [bareServer.url, [{ role: 'user' }], 'messages[0].content'],
      [bareServer.url, [{ role: 'system', content: 'x' }, { role: 'user', content: '' }], 'messages[1].content'],
      [bareServer.url, [{ role: 'user', content: '  \n ' }], 'messages[0].content'],
      [bareServer.url, [{ role: 'user', content: [] }], 'messages[0].content'],
      // The template matches, but the input it recovers is empty.
      [server.url, templated('a title', ''), 'messages[1].content'],
    ];
    for (const [url, messages, param] of cases) {
      const response = await post(url, { messages });
      expect(response.status, JSON.stringify(messages)).toBe(400);
      const body = (await response.json()) as { error: { param: string; type: string; message: string } };
      expect(body.error).toMatchObject({ param, type: 'invalid_request_error' });
    }
    expect(bare.inputs).toEqual([]);
    expect(student.inputs).toEqual([]);
  });
});
