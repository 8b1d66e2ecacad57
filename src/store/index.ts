export type { BilledAttempt, BilledBasis, InputRecord, Ledger, Reservation, ResponseRecord, SplitAssignment, Store } from './types.js';
export { StoreError, type StoreErrorCause } from './errors.js';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { LATEST_SCHEMA_VERSION } from './sqlite-migrations.js';
