/** Inputs and prompt shared by the kill test and its child process. */
import type { InputRecord } from '../src/store/types.js';
import type { ChatMessage } from '../src/teacher/types.js';
import { sha256Hex } from '../src/util/hash.js';

export const KILL_TEST_INPUT_COUNT = 400;
export const KILL_TEST_CONCURRENCY = 8;

/** The inputs of the kill test, the same in every run. */
export function killTestInputs(): InputRecord[] {
  return Array.from({ length: KILL_TEST_INPUT_COUNT }, (_, index) => {
    const text = `review number ${index}: the product was ${index % 3 === 0 ? 'fine' : 'not what I expected'}`;
    return { id: sha256Hex(text).slice(0, 16), text, gold: null, source: `kill-test:${index}` };
  });
}

/** The prompt of one input; the user message is the input text, so the server log names the input. */
export function killTestMessages(input: InputRecord): ChatMessage[] {
  return [{ role: 'system', content: 'Answer positive or negative.' }, { role: 'user', content: input.text }];
}
