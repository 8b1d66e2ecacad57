import { loadTaskFile } from '../task/load.js';
import { readStudentPrompt, type StudentPrompt } from '../student/file-format.js';

/**
 * The prompt `serve` inverts to find the input: the one the student file records, else (for files
 * that predate it) the task file's when the target named one; null when neither is known.
 */
export async function servedPrompt(target: string, studentFile: string): Promise<StudentPrompt | null> {
  const recorded = readStudentPrompt(studentFile);
  if (recorded !== null || !/\.ya?ml$/i.test(target)) return recorded;
  return { messages: (await loadTaskFile(target)).spec.prompt.messages.map(({ role, content }) => ({ role, content })) };
}

/** One line for the serve banner saying how a request's input is found (`verb`: what the student does with it). */
export function describeServedPrompt(prompt: StudentPrompt | null, verb: 'classified' | 'answered' = 'classified'): string {
  return prompt === null
    ? `no prompt template recorded (a student file from before templates were kept): each request's last user message is ${verb}; run \`distillery run\` again, or serve the task file, to invert the template`
    : `requests carrying the task's prompt are ${verb} on the input the template recovers (response header x-distillery-template: matched, else unmatched: the last user message)`;
}
