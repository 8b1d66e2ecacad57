import { describe, expect, it } from 'vitest';
import { RunStoppedError, SetupError } from '../pipeline/errors.js';
import { SpecError } from '../spec/load.js';
import { StoreError } from '../store/errors.js';
import { describeFailure, EXIT } from './exit-codes.js';

describe('describeFailure', () => {
  it('maps each kind of failure to its documented exit code', () => {
    expect(describeFailure(new SpecError('bad', 'task.yaml', [])).code).toBe(EXIT.invalidInput);
    expect(describeFailure(new SetupError('no key')).code).toBe(EXIT.invalidInput);
    expect(describeFailure(new RunStoppedError('money', 'budget')).code).toBe(EXIT.budget);
    expect(describeFailure(new RunStoppedError('down', 'teacher-unreachable')).code).toBe(EXIT.teacher);
    expect(describeFailure(new RunStoppedError('key', 'auth')).code).toBe(EXIT.teacher);
    expect(describeFailure(new RunStoppedError('stop', 'aborted')).code).toBe(EXIT.interrupted);
    expect(describeFailure(new Error('boom')).code).toBe(EXIT.failure);
  });

  it('treats a full disk as a storage error and says the collected answers are safe', () => {
    const error = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC', path: '/p/exports/labelled.jsonl' });
    const failure = describeFailure(error);
    expect(failure.code).toBe(EXIT.store);
    expect(failure.message).toContain('/p/exports/labelled.jsonl');
    expect(failure.message).toContain('safe');
  });

  it('maps store errors to exit 5', () => {
    const error = new StoreError('disk full writing /p/distillery.sqlite; committed answers are intact', { reason: 'disk-full', file: '/p/distillery.sqlite', code: 'SQLITE_FULL' });
    expect(describeFailure(error)).toEqual({ code: EXIT.store, message: error.message });
  });
});
