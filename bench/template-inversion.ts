/**
 * How many of a trained project's test predictions change when `serve` inverts the task's prompt
 * template instead of classifying the whole last user message (issue 8, item 10). Each test input is
 * rendered with the template exactly as the app sent it to the teacher, then run through the student
 * server's own request parsing and input selection, with and without the template.
 *
 *   npm run demo                                          # builds .distillery/demo
 *   node --import tsx bench/template-inversion.ts [.distillery/demo]
 *
 * Two templates are measured: the task's own, and the same instructions moved into the user message
 * (a common way to write a prompt), where the whole message is mostly not the input.
 */
import path from 'node:path';
import { loadTaskFile } from '../src/task/load.js';
import { buildMessages } from '../src/task/template.js';
import { parseChatCompletionRequest } from '../src/serve/chat-request.js';
import { templateInputSelector } from '../src/serve/student-server.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { loadStudentFile } from '../src/student/file-format.js';
import type { TaskSpec } from '../src/task/schema.js';

const projectDir = path.resolve(process.argv[2] ?? '.distillery/demo');
const task = await loadTaskFile(path.join(projectDir, 'task.yaml'));
const student = loadStudentFile(path.join(projectDir, 'student.dstl'));
const store = openSqliteStore(path.join(projectDir, 'distillery.sqlite'));
const byId = new Map((await store.listInputs()).map((input) => [input.id, input]));
const test = (await store.listSplits()).filter((split) => split.split === 'test' && split.duplicateOf === null).map((split) => byId.get(split.inputId)).filter((input) => input !== undefined);
await store.close();

const instructionsInUser: TaskSpec['prompt'] = {
  messages: [{ role: 'user', content: `${task.spec.prompt.messages.filter((message) => message.role === 'system').map((message) => message.content).join('\n')}\n\n{{text}}` }],
};

for (const [name, prompt] of [['the task\'s own template', task.spec.prompt], ['instructions in the user message', instructionsInUser]] as const) {
  const spec: TaskSpec = { ...task.spec, prompt };
  const whole = templateInputSelector(null, student.labels);
  const inverted = templateInputSelector(prompt, student.labels);
  let changed = 0;
  let matched = 0;
  for (const input of test) {
    const chat = parseChatCompletionRequest({ model: 'student', messages: buildMessages(spec, input.text, input.fields) }, 'student');
    const selected = inverted(chat);
    if (selected.headers?.['x-distillery-template'] === 'matched') matched++;
    if (student.predict(whole(chat).input).label !== student.predict(selected.input).label) changed++;
  }
  process.stdout.write(`${name}: ${changed} of ${test.length} test predictions change with inversion (template matched ${matched} of ${test.length})\n`);
}
