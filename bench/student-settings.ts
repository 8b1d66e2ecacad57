/** Student settings for benchmarks: the task schema's defaults with a few fields overridden. */
import { taskSpecSchema, type StudentSettings } from '../src/task/schema.js';

const BASE = { name: 'bench', teacher: { baseURL: 'http://127.0.0.1/v1', model: 'none' }, prompt: { messages: [{ role: 'user', content: '{{text}}' }] }, labels: ['a', 'b'], inputs: { path: 'none' }, budget: { maxUSD: 1 } };

/** The validated student settings a task file with `student: overrides` would get. */
export function benchStudentSettings(overrides: Record<string, unknown>): StudentSettings {
  return taskSpecSchema.parse({ ...BASE, student: overrides }).student;
}
