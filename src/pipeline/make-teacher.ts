import { createOpenAITeacher } from '../teacher/openai-teacher.js';
import { resolvePrices, type Prices } from '../teacher/prices.js';
import type { Teacher } from '../teacher/types.js';
import type { TaskSpec } from '../spec/schema.js';
import { MissingKeyError, SetupError } from './errors.js';

/** The teacher of a task, with the prices its calls are charged at. */
export interface ResolvedTeacher {
  teacher: Teacher;
  prices: Prices;
  priceSource: string;
  maxOutputTokens: number;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** True for URLs that point at this machine (local servers need no key and cost nothing by default). */
export function isLoopbackURL(url: string): boolean {
  return LOOPBACK.test(new URL(url).hostname);
}

/** Output tokens enough for the longest label, with room for a leading space and an end token. */
export function defaultMaxTokens(labels: readonly string[]): number {
  const longest = Math.max(...labels.map((label) => label.length));
  return Math.max(4, Math.ceil(longest / 2) + 3);
}

/** Builds the task's teacher; fails before any call when the key or the prices are missing. */
export function makeTeacher(spec: TaskSpec, env: NodeJS.ProcessEnv = process.env): ResolvedTeacher {
  const settings = spec.teacher;
  let apiKey = 'not-needed';
  if (settings.apiKeyEnv !== undefined) {
    const value = env[settings.apiKeyEnv];
    if (value === undefined || value.trim() === '') {
      throw new MissingKeyError(`the teacher's key is missing: set the environment variable ${settings.apiKeyEnv} (named by teacher.apiKeyEnv)`);
    }
    apiKey = value.trim();
  } else if (!isLoopbackURL(settings.baseURL)) {
    throw new SetupError(`teacher.apiKeyEnv is not set, and ${settings.baseURL} is not a local server: name the environment variable that holds the key`);
  }
  let resolved: ReturnType<typeof resolvePrices>;
  try {
    resolved = resolvePrices(settings.model, spec.budget.prices, settings.baseURL);
  } catch (error) {
    throw new SetupError((error as Error).message);
  }
  const maxOutputTokens = settings.maxTokens ?? defaultMaxTokens(spec.labels);
  const teacher = createOpenAITeacher({
    baseURL: settings.baseURL,
    model: settings.model,
    apiKey,
    logprobs: settings.logprobs,
    topLogprobs: settings.topLogprobs,
    temperature: settings.temperature,
    maxTokens: maxOutputTokens,
    timeoutMs: settings.timeoutMs,
  });
  return { teacher, prices: resolved.prices, priceSource: resolved.source, maxOutputTokens };
}
