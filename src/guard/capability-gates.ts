/**
 * Capability gates: per tier or key, what a request may ask of the upstream. Soft labels (logprobs),
 * several samples per prompt (`n`), long answers and the model's reasoning are what make a harvest
 * worth more to a distiller; a gate drops or caps them for tiers the owner does not trust. Every
 * change is announced to the client in `x-distillery-gated`, never made silently.
 */

/** What the gateway does with reasoning content (`reasoning_content`, `reasoning`, thinking blocks, inline `<think>…</think>` in the content) in answers. */
export type ReasoningGate = 'pass' | 'strip' | 'summary';

/** The reasoning gate's choices, for validation messages. */
export const REASONING_GATES: readonly ReasoningGate[] = Object.freeze(['pass', 'strip', 'summary']);

/** The gates of one key or tier; an absent field leaves that capability open. */
export interface CapabilityGates {
  /** false: `logprobs` and `top_logprobs` are dropped from the request (and from the answer, should the upstream send them anyway). */
  logprobs?: boolean;
  /** Most `top_logprobs` alternatives per token (for /v1/completions, the integer `logprobs`). */
  topLogprobs?: number;
  /** Most completions per prompt (`n`). */
  n?: number;
  /** Most tokens per answer: caps `max_tokens` / `max_completion_tokens`, and sets `max_tokens` when neither was sent. */
  maxTokens?: number;
  /** Reasoning content in answers: passed on, stripped, or replaced by a short summary. */
  reasoning?: ReasoningGate;
  /** Characters of the reasoning a summary keeps (default 160). */
  summaryChars?: number;
}

/** Gates by layer: a default, overridden field by field by the key's tier and then by the key itself. */
export interface GateConfig {
  default?: CapabilityGates;
  tiers?: Readonly<Record<string, CapabilityGates>>;
  keys?: Readonly<Record<string, CapabilityGates>>;
}

/** The header that announces what the gateway changed. */
export const GATED_HEADER = 'x-distillery-gated';

/** Default length of a reasoning summary. */
export const DEFAULT_SUMMARY_CHARS = 160;

/** Drops undefined fields so they never override the layer below. */
function defined(gates: CapabilityGates | undefined): CapabilityGates {
  return Object.fromEntries(Object.entries(gates ?? {}).filter(([, value]) => value !== undefined)) as CapabilityGates;
}

/** The gates in force for a key: default, then its tier, then the key itself. */
export function gatesFor(config: GateConfig | undefined, keyId: string, tier: string): CapabilityGates {
  return { ...defined(config?.default), ...defined(config?.tiers?.[tier]), ...defined(config?.keys?.[keyId]) };
}

/** Whether any gate is set at all (an all-open key skips the gate entirely). */
export function hasGates(gates: CapabilityGates): boolean {
  return Object.keys(gates).some((name) => name !== 'summaryChars' && !(name === 'reasoning' && gates.reasoning === 'pass'));
}

/** A request after its gates: the body to forward, and the changes to announce (`top_logprobs=5->0`). */
export interface GatedRequest {
  body: Record<string, unknown>;
  changes: string[];
}

/** A finite number field, or undefined. */
function numberAt(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Drops logprobs, or caps the alternatives asked for; the legacy completions route carries them in the integer `logprobs`. */
function gateLogprobs(route: string, body: Record<string, unknown>, gates: CapabilityGates, changes: string[]): void {
  const legacy = route === '/v1/completions';
  if (gates.logprobs === false) {
    const asked = legacy ? numberAt(body, 'logprobs') : body.logprobs;
    if (asked !== undefined && asked !== false && asked !== null) changes.push(`logprobs=${String(asked)}->${legacy ? 'none' : 'false'}`);
    if (!legacy && numberAt(body, 'top_logprobs') !== undefined) changes.push(`top_logprobs=${String(body.top_logprobs)}->none`);
    delete body.logprobs;
    delete body.top_logprobs;
    return;
  }
  if (gates.topLogprobs === undefined) return;
  const field = legacy ? 'logprobs' : 'top_logprobs';
  const asked = numberAt(body, field);
  if (asked !== undefined && asked > gates.topLogprobs) {
    changes.push(`${field}=${asked}->${gates.topLogprobs}`);
    body[field] = gates.topLogprobs;
  }
}

/** Caps `n` and the answer length. */
function gateSampling(body: Record<string, unknown>, gates: CapabilityGates, changes: string[]): void {
  const n = numberAt(body, 'n');
  if (gates.n !== undefined && n !== undefined && n > gates.n) {
    changes.push(`n=${n}->${gates.n}`);
    body.n = gates.n;
  }
  if (gates.maxTokens === undefined) return;
  let capped = false;
  for (const field of ['max_tokens', 'max_completion_tokens']) {
    const asked = numberAt(body, field);
    if (asked === undefined) continue;
    capped = true;
    if (asked > gates.maxTokens) {
      changes.push(`${field}=${asked}->${gates.maxTokens}`);
      body[field] = gates.maxTokens;
    }
  }
  if (!capped) {
    changes.push(`max_tokens=unset->${gates.maxTokens}`);
    body.max_tokens = gates.maxTokens;
  }
}

/** Applies `gates` to a parsed request body for `route` (a copy; the original is left as the client sent it). */
export function gateRequest(route: string, original: Record<string, unknown>, gates: CapabilityGates): GatedRequest {
  const changes: string[] = [];
  if (route !== '/v1/chat/completions' && route !== '/v1/completions') return { body: original, changes };
  const body = { ...original };
  gateLogprobs(route, body, gates, changes);
  gateSampling(body, gates, changes);
  if (gates.reasoning === 'strip' || gates.reasoning === 'summary') changes.push(`reasoning=${gates.reasoning}`);
  return { body: changes.length === 0 ? original : body, changes };
}

/** The `x-distillery-gated` header value for a request's changes, or null when nothing changed. */
export function gatedHeaderValue(changes: readonly string[]): string | null {
  return changes.length === 0 ? null : changes.join(', ');
}
