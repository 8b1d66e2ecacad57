/**
 * The guard's policy file: per-tier and per-key thresholds, throttle sizes, fail-open/closed and the
 * webhook, in YAML or JSON, validated with errors that name the file, line and field (like task files).
 */
import { z } from 'zod';
import { parseYamlSettings, readSettingsFile } from '../task/load.js';
import type { PolicyConfig, PolicyRule } from './policy-config.js';

const threshold = z.number().min(0).max(1).nullable();

/** One rule; every field optional (it overrides the layer below). */
const ruleSchema = z.object({
  flagAt: threshold.optional(),
  throttleAt: threshold.optional(),
  blockAt: threshold.optional(),
  throttleBurst: z.number().int().min(1).optional(),
  throttleRequestsPerMinute: z.number().positive().optional(),
}).strict();

const policySchema = z.object({
  default: ruleSchema.optional(),
  tiers: z.record(z.string(), ruleSchema).optional(),
  keys: z.record(z.string(), ruleSchema).optional(),
  onStoreFailure: z.enum(['open', 'closed']).optional(),
  webhookUrl: z.url().optional(),
  webhookSecret: z.string().min(16, 'webhookSecret must be at least 16 characters').optional(),
}).strict();

/** Drops keys whose value is undefined (the schema's optional fields) so they never override a layer below. */
function cleanRule(rule: z.infer<typeof ruleSchema>): Partial<PolicyRule> {
  return Object.fromEntries(Object.entries(rule).filter(([, value]) => value !== undefined)) as Partial<PolicyRule>;
}

/** Parses and validates policy text; `file` is used in messages only. */
export function parsePolicy(text: string, file = 'policy.yaml'): PolicyConfig {
  const parsed = parseYamlSettings(text, file, policySchema, { noun: 'policy file', expected: 'default:, tiers:, keys:, onStoreFailure:, webhookUrl:, webhookSecret:' });
  const rules = (record: Record<string, z.infer<typeof ruleSchema>> | undefined) => (record === undefined ? undefined : Object.fromEntries(Object.entries(record).map(([name, rule]) => [name, cleanRule(rule)])));
  const config: PolicyConfig = {};
  if (parsed.default !== undefined) config.default = cleanRule(parsed.default);
  const tiers = rules(parsed.tiers);
  if (tiers !== undefined) config.tiers = tiers;
  const keys = rules(parsed.keys);
  if (keys !== undefined) config.keys = keys;
  if (parsed.onStoreFailure !== undefined) config.onStoreFailure = parsed.onStoreFailure;
  if (parsed.webhookUrl !== undefined) config.webhookUrl = parsed.webhookUrl;
  if (parsed.webhookSecret !== undefined) config.webhookSecret = parsed.webhookSecret;
  return config;
}

/** Reads and validates a policy file. */
export async function loadPolicyFile(file: string): Promise<PolicyConfig> {
  const { absolute, text } = await readSettingsFile(file, 'policy file');
  return parsePolicy(text, absolute);
}
