/** Capture: recording production calls (a proxy, or `withCapture` in process), redaction, export. */
import { join } from 'node:path';
import { CaptureStore, type CaptureStoreOptions } from './capture-store.js';

export { CaptureStore, type CaptureQuery, type CaptureStoreOptions, type CapturedCall, type StoredCall } from './capture-store.js';
export { startCaptureProxy, TAGS_HEADER, type CaptureProxyOptions } from './capture-proxy.js';
export { withCapture, type ChatClient, type WithCaptureOptions } from './with-capture.js';
export { BUILT_IN_REDACTORS, composeRedactors, redactorFromNames, type Redactor } from './redact.js';
export { assembleChatStream } from './assemble.js';
export { EXPORT_FORMATS, exportLine, type ExportFormat } from './export.js';

/** The capture file inside a project folder. */
export const CAPTURE_FILE_NAME = 'capture.sqlite';

/** Opens the capture store: `file` when given, else `capture.sqlite` in `project` (the current folder by default). */
export function openCaptureStore(where: { project?: string; file?: string }, options: CaptureStoreOptions = {}): CaptureStore {
  return new CaptureStore(where.file ?? join(where.project ?? '.', CAPTURE_FILE_NAME), options);
}
