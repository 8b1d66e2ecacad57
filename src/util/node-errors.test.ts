import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listen } from '../serve/listen.js';
import { EXIT, UsageError } from './errors.js';
import { FileAccessError, fileAccessFailure, listenFailure } from './node-errors.js';

/** A Node system error as fs and net raise them. */
function systemError(code: string, target = '/p'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed, open '${target}'`), { code, path: target });
}

describe('fileAccessFailure', () => {
  it.each([
    ['EACCES', 'permission denied'],
    ['EROFS', 'the disk is read-only'],
    ['ENOTDIR', 'a part of the path is a file, not a folder'],
  ])('turns %s into one line naming the folder, exit 5', (code, reason) => {
    const converted = fileAccessFailure(systemError(code, '/p/exports'), '/p', 'cannot use the project folder');
    expect(converted).toBeInstanceOf(FileAccessError);
    expect((converted as FileAccessError).message).toBe(`cannot use the project folder /p: ${reason}`);
    expect((converted as FileAccessError).exitCode).toBe(EXIT.store);
  });

  it('leaves errors that are no file-system errors alone', () => {
    const bug = new TypeError('x is undefined');
    expect(fileAccessFailure(bug, '/p', 'cannot use')).toBe(bug);
  });
});

describe('listenFailure', () => {
  it('says which port is busy and which flag changes it', () => {
    const converted = listenFailure(systemError('EADDRINUSE'), '127.0.0.1', 8080);
    expect(converted).toBeInstanceOf(UsageError);
    expect((converted as UsageError).message).toBe('port 8080 is in use; pick another with --port');
  });

  it('makes listen() reject a busy port with that UsageError', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      await expect(listen(() => undefined, '127.0.0.1', port)).rejects.toThrow(new UsageError(`port ${port} is in use; pick another with --port`));
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('makes listen() refuse a port outside 0–65535 before binding', async () => {
    await expect(listen(() => undefined, '127.0.0.1', 70000)).rejects.toBeInstanceOf(UsageError);
    await expect(listen(() => undefined, '127.0.0.1', Number.NaN)).rejects.toBeInstanceOf(UsageError);
  });
});
