/**
 * The demo's prompt, and a task file a user can start from to point their own inputs at the demo's
 * teacher (`distillery demo teacher`).
 */
import { LANGUAGE_LABELS } from './language-labels.js';

/** The messages the demo sends its teacher (the detector reads only the code, but an LLM teacher would need them). */
export const DEMO_PROMPT: ReadonlyArray<{ role: 'system' | 'user'; content: string }> = Object.freeze([
  { role: 'system', content: 'Name the programming language of the code. Answer with one of: {{labels}}' },
  { role: 'user', content: '{{text}}' },
]);

/** A complete task file (YAML) for the demo teacher at `baseURL`, with comments saying what to change. */
export function demoTeacherTaskFile(baseURL: string, model: string): string {
  return [
    'name: my-code-languages',
    'teacher:',
    `  baseURL: ${baseURL}`,
    `  model: ${model}`,
    '  logprobs: true                 # the detector\'s confidences become soft labels',
    '  topLogprobs: 20',
    'prompt:',
    '  messages:',
    ...DEMO_PROMPT.flatMap((message) => [`    - role: ${message.role}`, `      content: ${JSON.stringify(message.content)}`]),
    `# The languages the teacher knows; drop the ones your files do not use (an answer outside the list is kept as junk).`,
    `labels: [${LANGUAGE_LABELS.join(', ')}]`,
    'inputs:',
    '  path: my-code.jsonl            # one {"text": "..."} per line; .csv, .txt or a glob of files work too',
    'budget:',
    '  maxUSD: 1                      # a teacher on this machine is priced at $0',
    '',
  ].join('\n');
}
