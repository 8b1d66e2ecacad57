import { describe, expect, it } from 'vitest';
import { StoreError } from '../store/errors.js';
import { describeRedisTarget, toRedisStoreError } from './redis-errors.js';

const target = describeRedisTarget('redis://user:hunter2@10.0.0.5:6380/2', 'acme:guard');

describe('Redis errors', () => {
  it('names the server and namespace, never the credentials', () => {
    expect(target).toBe('redis://10.0.0.5:6380/2 (prefix acme:guard)');
    expect(describeRedisTarget('not a url', 'p')).not.toContain('not a url');
  });

  it('classifies replies and connection failures as StoreError causes', () => {
    const cases: Array<[string, StoreError['reason']]> = [
      ['CONSTRAINT a key with id key_1 already exists', 'constraint'],
      ["OOM command not allowed when used memory > 'maxmemory'.", 'disk-full'],
      ["READONLY You can't write against a read only replica.", 'read-only'],
      ['LOADING Redis is loading the dataset in memory', 'busy'],
      ['connect ECONNREFUSED 127.0.0.1:6379', 'io'],
      ['Command timed out', 'io'],
      ["Stream isn't writeable and enableOfflineQueue options is false", 'io'],
      ['ERR unknown command', 'other'],
    ];
    for (const [message, reason] of cases) {
      const error = toRedisStoreError(new Error(message), target, 'recording usage');
      expect(error).toBeInstanceOf(StoreError);
      expect([message, error.reason]).toEqual([message, reason]);
      expect(error.file).toBe(target);
      expect(error.message).toContain('while recording usage');
    }
    expect(toRedisStoreError(new Error('OOM x'), target, 'a').code).toBe('OOM');
    expect(toRedisStoreError(new Error('Connection is closed.'), target, 'a').message).toContain('not connected; reconnecting in the background');
  });
});
