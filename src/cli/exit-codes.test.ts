import { describe, expect, it } from 'vitest';
import { InputError } from '../data/input-error.js';
import { MissingKeyError, RunStoppedError, SetupError } from '../pipeline/errors.js';
import { StudentFileError } from '../student/file-container.js';
import { TeacherResponseError } from '../teacher/errors.js';
import { DistilleryError, UsageError } from '../util/errors.js';
import { SpecError } from '../task/load.js';
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

  it('reads the code off the error class, never off its name', () => {
    expect(describeFailure(new MissingKeyError('set OPENAI_API_KEY')).code).toBe(EXIT.missingKey);
    expect(describeFailure(new InputError('bad line', 'inputs.jsonl', 3)).code).toBe(EXIT.invalidInput);
    expect(describeFailure(new StudentFileError('corrupt')).code).toBe(EXIT.invalidInput);
    expect(describeFailure(new UsageError('--port must be a number')).code).toBe(EXIT.invalidInput);
    expect(describeFailure(new TeacherResponseError('junk', { isRetryable: false })).code).toBe(EXIT.teacher);
    // An ordinary error that merely calls itself InputError is not one.
    const forged = Object.assign(new Error('looks like input'), { name: 'InputError' });
    expect(describeFailure(forged).code).toBe(EXIT.failure);
  });

  it('gives every error in the hierarchy one base with an exit code, an HTTP status and retryability', () => {
    const errors = [new SpecError('bad', 'task.yaml', []), new SetupError('x'), new InputError('x', 'f'), new StoreError('x', { reason: 'busy', file: 'db' }), new TeacherResponseError('x', { isRetryable: true }), new RunStoppedError('x', 'budget')];
    for (const error of errors) expect(error).toBeInstanceOf(DistilleryError);
    expect(new StoreError('x', { reason: 'busy', file: 'db' }).retryable).toBe(true);
    expect(new TeacherResponseError('x', { isRetryable: true }).retryable).toBe(true);
    expect(new UsageError('x').httpStatus).toBe(400);
  });

  it('treats a full disk as a storage error and says the collected answers are safe', () => {
    const error = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC', path: '/p/exports/labelled.jsonl' });
    const failure = describeFailure(error);
    expect(failure.code).toBe(EXIT.store);
    expect(failure.message).toContain('/p/exports/labelled.jsonl');
    expect(failure.message).toContain('safe');
  });

  it('gives a file error no boundary converted one line naming the file, never a stack', () => {
    const refused = Object.assign(new Error("EACCES: permission denied, open '/p/report.md'"), { code: 'EACCES', path: '/p/report.md' });
    expect(describeFailure(refused)).toEqual({ code: EXIT.store, message: '/p/report.md: permission denied' });
    const missing = Object.assign(new Error("ENOENT: no such file or directory, open '/p/x'"), { code: 'ENOENT', path: '/p/x' });
    expect(describeFailure(missing)).toEqual({ code: EXIT.invalidInput, message: '/p/x: no such file or folder' });
  });

  it('maps store errors to exit 5', () => {
    const error = new StoreError('disk full writing /p/distillery.sqlite; committed answers are intact', { reason: 'disk-full', file: '/p/distillery.sqlite', code: 'SQLITE_FULL' });
    expect(describeFailure(error)).toEqual({ code: EXIT.store, message: error.message });
  });
});
