import { describe, expect, it } from 'vitest';
import { SpecError } from '../task/load.js';
import { ruleFor } from './policy-config.js';
import { parsePolicy } from './policy-file.js';

describe('policy file', () => {
  it('layers default, tier and key rules', () => {
    const config = parsePolicy(['default:', '  flagAt: 0.4', '  blockAt: 0.95', 'tiers:', '  enterprise:', '    throttleAt: null', '    blockAt: null', 'keys:', '  key_1:', '    throttleRequestsPerMinute: 2', 'onStoreFailure: closed', 'webhookUrl: https://hooks.example.com/guard'].join('\n'));
    expect(config.onStoreFailure).toBe('closed');
    expect(ruleFor(config, 'key_9', 'free')).toMatchObject({ flagAt: 0.4, throttleAt: 0.8, blockAt: 0.95 });
    expect(ruleFor(config, 'key_9', 'enterprise')).toMatchObject({ flagAt: 0.4, throttleAt: null, blockAt: null });
    expect(ruleFor(config, 'key_1', 'free')).toMatchObject({ throttleRequestsPerMinute: 2, blockAt: 0.95 });
  });

  it('names the line and field of a wrong value and of an unknown setting', () => {
    const text = ['default:', '  flagAt: 1.5', 'tiers:', '  free:', '    blokAt: 0.9'].join('\n');
    let error: unknown;
    try {
      parsePolicy(text, 'policy.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SpecError);
    const message = (error as SpecError).message;
    expect(message).toMatch(/policy file policy\.yaml has errors/);
    expect(message).toMatch(/policy\.yaml:2:\d+: default\.flagAt/);
    expect(message).toMatch(/policy\.yaml:5:\d+: tiers\.free: unknown setting "blokAt"/);
  });

  it('rejects YAML that is not a mapping', () => {
    expect(() => parsePolicy('- a\n- b\n')).toThrow(/is not a policy file/);
  });
});
