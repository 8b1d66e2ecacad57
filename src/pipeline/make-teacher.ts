import { createAnthropicTeacher } from '../teacher/anthropic-teacher.js';
import { createOpenAITeacher } from '../teacher/openai-teacher.js';
import { resolvePrices, type Prices } from '../teacher/prices.js';
import { outputTokenLimit } from '../teacher/reasoning.js';
import type { Teacher } from '../teacher/types.js';
import type { TaskSpec } from '../task/schema.js';
import { MissingKeyError, SetupError } from './errors.js';

/** The teacher of a task, with the prices its calls are charged at. */
export interface ResolvedTeacher {
  teacher: Teacher;
  prices: Prices;
  priceSource: string;
  maxOutputTokens: number;
  /** The key the teacher was given ('not-needed' for a local server); batch mode's files and batches calls use it too. */
  apiKey?: string;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** True for URLs that point at this machine (local servers need no key and cost nothing by default). */
export function isLoopbackURL(url: string): boolean {
  return LOOPBACK.test(new URL(url).hostname);
}

/** Default output tokens of tasks whose answer is an object or a text rather than a label. */
const DEFAULT_TEXT_MAX_TOKENS = 1024;

/** Output tokens enough for the longest label, with room for a leading space and an end token; a text default without labels. */
export function defaultMaxTokens(labels: readonly string[]): number {
  if (labels.length === 0) return DEFAULT_TEXT_MAX_TOKENS;
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
  const maxTokens = settings.maxTokens ?? defaultMaxTokens(spec.labels);
  // What a call may be billed for: a reasoning model's thinking allowance comes on top, and the budget reserves it.
  const maxOutputTokens = settings.provider === 'openai' ? outputTokenLimit(settings.model, maxTokens, settings.reasoningTokens) : maxTokens;
  const common = { baseURL: settings.baseURL, model: settings.model, apiKey, logprobs: settings.logprobs, temperature: settings.temperature, maxTokens, timeoutMs: settings.timeoutMs };
  const teacher = settings.provider === 'anthropic'
    ? createAnthropicTeacher(common)
    : createOpenAITeacher({ ...common, topLogprobs: settings.topLogprobs, reasoningTokens: settings.reasoningTokens });
  return { teacher, prices: resolved.prices, priceSource: resolved.source, maxOutputTokens, apiKey };
}
