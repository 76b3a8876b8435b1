import { AnalysisStore } from '../../native/store/analysis-store.js';
import { openDatabase } from '../../native/store/database.js';

/**
 * Look into the database `file` and close it again. Read-only: a test only looks, and a
 * read-only connection works beside a running writer and on a full disk.
 */
export function withStore<T>(file: string, use: (store: AnalysisStore) => T): T {
  const store = new AnalysisStore(openDatabase(file, { readonly: true }));
  try {
    return use(store);
  } finally {
    store.close();
  }
}

/** `PRAGMA integrity_check` of the database `file`: 'ok' when it is sound. */
export function integrityCheck(file: string): string {
  const db = openDatabase(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}
