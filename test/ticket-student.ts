/** The tickets student of the CLI tests (predict, serve): an n-gram classifier fitted in milliseconds on twelve support tickets. */
import { createStudent, saveStudent } from '../src/student/index.js';
import { parseTaskSpec } from '../src/task/load.js';

/** The tickets student's labels, in its order. */
export const TICKET_LABELS = ['billing', 'bug', 'other'];

const examples = [
  ['I was charged twice on my card', 0], ['refund my invoice payment please', 0], ['the invoice amount is wrong', 0], ['payment failed on my card', 0],
  ['the app crashes when I click export', 1], ['error 500 when uploading', 1], ['the page freezes and crashes', 1], ['search shows an error', 1],
  ['where is your office', 2], ['who founded the company', 2], ['are you hiring interns', 2], ['thanks for the nice service', 2],
] as const;

/** Fits the tickets student and writes it to `file`. */
export async function saveTicketStudent(file: string): Promise<void> {
  const settings = parseTaskSpec(`name: t\nteacher: { baseURL: 'http://127.0.0.1:1/v1', model: m }\nprompt: { messages: [{ role: user, content: '{{text}}' }] }\nlabels: [a, b]\ninputs: { path: x.jsonl }\nbudget: { maxUSD: 1 }\nstudent: { epochs: 20, dim: 8, buckets: 4096 }\n`).student;
  const student = createStudent('ngram', TICKET_LABELS, settings);
  const data = examples.map(([text, label]) => ({ text, label, soft: null }));
  student.fit(data, data);
  await saveStudent(student, file);
}
