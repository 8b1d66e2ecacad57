/**
 * Every Teacher provider runs the shared conformance suite: the OpenAI-compatible client over a real
 * loopback HTTP server (a fault-injection server replaying the recorded fixtures byte for byte), and
 * the collector's in-process fake teacher replaying the same bodies through the same mapping.
 */
import { createFakeTeacher } from '../collect/fake-teacher.js';
import { startFaultInjectionServer } from './__fixtures__/fault-injection-server.js';
import { TeacherResponseError } from './errors.js';
import { mapChatCompletion } from './openai-response.js';
import { createOpenAITeacher } from './openai-teacher.js';
import { describeTeacherConformance, type RecordedResponse } from './teacher-conformance.js';

describeTeacherConformance('openai-compatible over HTTP (fault-injection server replaying fixtures)', {
  async open(recorded: RecordedResponse) {
    const server = await startFaultInjectionServer([(_request, response) => {
      response.writeHead(recorded.status, { 'content-type': recorded.contentType, 'content-length': Buffer.byteLength(recorded.body), 'x-request-id': 'req_conformance' });
      if (recorded.cutMidBody) response.write(recorded.body.slice(0, Math.floor(recorded.body.length / 2)), () => response.socket?.destroy());
      else response.end(recorded.body);
    }]);
    const teacher = createOpenAITeacher({ baseURL: server.baseURL, model: 'gpt-4o-mini', apiKey: 'sk-test', logprobs: true, topLogprobs: 5, temperature: 0, maxTokens: 5, timeoutMs: 5_000 });
    return { teacher, close: () => server.close() };
  },
});

/** What a client reading `recorded` gets as the parsed body: JSON when it says JSON, else the text. */
function parsedBody(recorded: RecordedResponse): unknown {
  const text = recorded.cutMidBody ? recorded.body.slice(0, Math.floor(recorded.body.length / 2)) : recorded.body;
  if (!recorded.contentType.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new TeacherResponseError(`the teacher's answer is not valid JSON: ${(error as Error).message}`, { status: 200, isRetryable: false, cause: error });
  }
}

describeTeacherConformance('fake (in-process, replaying fixtures)', {
  async open(recorded: RecordedResponse) {
    const teacher = createFakeTeacher((_call, request) =>
      mapChatCompletion(parsedBody(recorded), { messages: request.messages, askedForLogprobs: true, requestId: null, warnings: [] }));
    return { teacher, close: async () => {} };
  },
});
