/**
 * The watermark key an owner keeps: which scheme, a 32-byte secret, and the scheme's parameters. It is
 * plain JSON so it can be versioned, copied into a vault and diffed; parsing is strict because a key
 * that silently falls back to defaults would detect nothing and prove nothing. Only web-standard
 * globals are used (crypto.getRandomValues, atob/btoa), so the decoder can load keys anywhere.
 */
import { UsageError } from '../util/errors.js';

/** The two token-level schemes: KGW green lists, or Gumbel/Aaronson sampling. */
export type WatermarkScheme = 'kgw' | 'gumbel';

/** How the PRF's context is chosen: the h tokens just before the scored one. */
export type SeedingScheme = 'lefthash';

/** A parsed, validated key. */
export interface WatermarkKey {
  scheme: WatermarkScheme;
  version: 1;
  /** The 32 secret bytes. */
  secret: Uint8Array;
  /** Fraction of the vocabulary that is green in each context (KGW). */
  gamma: number;
  /** Logit bias added to green tokens (KGW). */
  delta: number;
  /** h: how many previous tokens seed the PRF. */
  contextWidth: number;
  seedingScheme: SeedingScheme;
}

/** Why a key could not be used: missing, malformed, of another scheme, or of an unknown version (exit 2). */
export class WatermarkKeyError extends UsageError {
  override readonly name: string = 'WatermarkKeyError';
  constructor(readonly reason: 'missing' | 'malformed' | 'scheme' | 'version', message: string) {
    super(message);
  }
}

const SECRET_BYTES = 32;
const SCHEMES: readonly WatermarkScheme[] = ['kgw', 'gumbel'];
/** Defaults for new keys: the parameters of Kirchenbauer et al.'s main experiments. */
const DEFAULTS = { gamma: 0.25, delta: 2.0, contextWidth: 1 } as const;

/** Encodes bytes as standard base64. */
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Decodes standard base64, or undefined when it is not base64. */
function fromBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/u.test(text) || text.length % 4 !== 0) return undefined;
  return Uint8Array.from(atob(text), (character) => character.charCodeAt(0));
}

/** A fresh key with a random secret from crypto.getRandomValues. */
export function generateWatermarkKey(scheme: WatermarkScheme, options: Partial<Pick<WatermarkKey, 'gamma' | 'delta' | 'contextWidth'>> = {}): WatermarkKey {
  const key: WatermarkKey = {
    scheme, version: 1, secret: crypto.getRandomValues(new Uint8Array(SECRET_BYTES)),
    gamma: options.gamma ?? DEFAULTS.gamma, delta: options.delta ?? DEFAULTS.delta,
    contextWidth: options.contextWidth ?? DEFAULTS.contextWidth, seedingScheme: 'lefthash',
  };
  validateParameters(key, 'the new key');
  return key;
}

/** The key as the JSON text of a key file. */
export function serializeWatermarkKey(key: WatermarkKey): string {
  const { scheme, version, gamma, delta, contextWidth, seedingScheme } = key;
  return `${JSON.stringify({ scheme, version, secret: toBase64(key.secret), gamma, delta, contextWidth, seedingScheme }, null, 2)}\n`;
}

/** Throws when the numeric parameters are out of range. */
function validateParameters(key: Pick<WatermarkKey, 'gamma' | 'delta' | 'contextWidth'>, source: string): void {
  const malformed = (message: string) => new WatermarkKeyError('malformed', `${source}: ${message}`);
  if (typeof key.gamma !== 'number' || !(key.gamma > 0 && key.gamma < 1)) throw malformed(`"gamma" must be a number strictly between 0 and 1, got ${JSON.stringify(key.gamma)}`);
  if (typeof key.delta !== 'number' || !Number.isFinite(key.delta) || key.delta < 0) throw malformed(`"delta" must be a finite number >= 0, got ${JSON.stringify(key.delta)}`);
  if (!Number.isInteger(key.contextWidth) || key.contextWidth < 1 || key.contextWidth > 16) throw malformed(`"contextWidth" must be an integer from 1 to 16, got ${JSON.stringify(key.contextWidth)}`);
}

/**
 * Parses a key file's text; `source` names it in messages. With `expectedScheme`, a key of the other
 * scheme is refused (detecting KGW with a Gumbel key would report noise as a verdict).
 */
export function parseWatermarkKey(text: string, source: string, expectedScheme?: WatermarkScheme): WatermarkKey {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new WatermarkKeyError('malformed', `${source}: not a watermark key file (invalid JSON: ${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new WatermarkKeyError('malformed', `${source}: not a watermark key file (expected a JSON object)`);
  const fields = value as Record<string, unknown>;
  if (typeof fields.scheme !== 'string' || !SCHEMES.includes(fields.scheme as WatermarkScheme)) {
    throw new WatermarkKeyError('scheme', `${source}: "scheme" must be one of ${SCHEMES.join(', ')}, got ${JSON.stringify(fields.scheme)}`);
  }
  const scheme = fields.scheme as WatermarkScheme;
  if (expectedScheme !== undefined && scheme !== expectedScheme) throw new WatermarkKeyError('scheme', `${source}: a ${scheme} key, but a ${expectedScheme} key is needed here`);
  if (fields.version !== 1) throw new WatermarkKeyError('version', `${source}: unknown key version ${JSON.stringify(fields.version)} (this Distillery reads version 1)`);
  const secret = typeof fields.secret === 'string' ? fromBase64(fields.secret) : undefined;
  if (secret?.length !== SECRET_BYTES) throw new WatermarkKeyError('malformed', `${source}: "secret" must be ${SECRET_BYTES} bytes in base64`);
  if (fields.seedingScheme !== 'lefthash') throw new WatermarkKeyError('malformed', `${source}: "seedingScheme" must be "lefthash", got ${JSON.stringify(fields.seedingScheme)}`);
  const key: WatermarkKey = {
    scheme, version: 1, secret, seedingScheme: 'lefthash',
    gamma: fields.gamma as number, delta: fields.delta as number, contextWidth: fields.contextWidth as number,
  };
  validateParameters(key, source);
  return key;
}
