/**
 * The guard's policy file: per-tier and per-key thresholds, throttle sizes, fail-open/closed and the
 * webhook, in YAML or JSON, validated with errors that name the file, line and field (like task files).
 */
import { z } from 'zod';
import { parseYamlSettings, readSettingsFile } from '../task/load.js';
import type { PolicyConfig, PolicyRule } from './policy-config.js';
import { REASONING_GATES, type CapabilityGates, type GateConfig } from './capability-gates.js';

const threshold = z.number().min(0).max(1).nullable();

/** One rule; every field optional (it overrides the layer below). */
const ruleSchema = z.object({
  flagAt: threshold.optional(),
  throttleAt: threshold.optional(),
  blockAt: threshold.optional(),
  throttleBurst: z.number().int().min(1).optional(),
  throttleRequestsPerMinute: z.number().positive().optional(),
}).strict();

/** The capability gates of one layer; every field optional. */
const gatesSchema = z.object({
  logprobs: z.boolean().optional(),
  topLogprobs: z.number().int().min(0).max(20).optional(),
  n: z.number().int().min(1).optional(),
  maxTokens: z.number().int().min(1).optional(),
  reasoning: z.enum(REASONING_GATES as [string, ...string[]], { message: `reasoning must be one of ${REASONING_GATES.join(', ')}` }).optional(),
  summaryChars: z.number().int().min(20).max(4000).optional(),
}).strict();

const gateLayersSchema = z.object({
  default: gatesSchema.optional(),
  tiers: z.record(z.string(), gatesSchema).optional(),
  keys: z.record(z.string(), gatesSchema).optional(),
}).strict();

const policySchema = z.object({
  default: ruleSchema.optional(),
  tiers: z.record(z.string(), ruleSchema).optional(),
  keys: z.record(z.string(), ruleSchema).optional(),
  onStoreFailure: z.enum(['open', 'closed']).optional(),
  webhookUrl: z.url().optional(),
  webhookSecret: z.string().min(16, 'webhookSecret must be at least 16 characters').optional(),
  gates: gateLayersSchema.optional(),
}).strict();

/** Drops keys whose value is undefined (the schema's optional fields) so they never override a layer below. */
function cleanRule(rule: z.infer<typeof ruleSchema>): Partial<PolicyRule> {
  return Object.fromEntries(Object.entries(rule).filter(([, value]) => value !== undefined)) as Partial<PolicyRule>;
}

/** The gate layers with undefined fields dropped. */
function cleanGates(parsed: z.infer<typeof gateLayersSchema>): GateConfig {
  const clean = (gates: z.infer<typeof gatesSchema>) => Object.fromEntries(Object.entries(gates).filter(([, value]) => value !== undefined)) as CapabilityGates;
  const layer = (record: Record<string, z.infer<typeof gatesSchema>> | undefined) => (record === undefined ? undefined : Object.fromEntries(Object.entries(record).map(([name, gates]) => [name, clean(gates)])));
  const config: GateConfig = {};
  if (parsed.default !== undefined) config.default = clean(parsed.default);
  const tiers = layer(parsed.tiers);
  if (tiers !== undefined) config.tiers = tiers;
  const keys = layer(parsed.keys);
  if (keys !== undefined) config.keys = keys;
  return config;
}

/** Parses and validates policy text; `file` is used in messages only. */
export function parsePolicy(text: string, file = 'policy.yaml'): PolicyConfig {
  const parsed = parseYamlSettings(text, file, policySchema, { noun: 'policy file', expected: 'default:, tiers:, keys:, onStoreFailure:, webhookUrl:, webhookSecret:, gates:' });
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
  if (parsed.gates !== undefined) config.gates = cleanGates(parsed.gates);
  return config;
}

/** Reads and validates a policy file. */
export async function loadPolicyFile(file: string): Promise<PolicyConfig> {
  const { absolute, text } = await readSettingsFile(file, 'policy file');
  return parsePolicy(text, absolute);
}
