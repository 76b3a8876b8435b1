import type Database from 'better-sqlite3';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { MIGRATIONS } from './schema.js';

/** A database that cannot be used as it is: written by a newer vmkscope, not SQLite, unreadable. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}

/**
 * A write that failed for want of disk (SQLITE_FULL, an I/O error) as a StoreError naming the
 * database, so it ends the command with one clear line (exit 2) instead of an internal error.
 * SQLite has rolled the transaction back: what was committed before is intact.
 */
export function asStoreError(err: unknown, file: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_FULL') {
    return new StoreError(`${file}: the disk is full: this analysis was not kept (earlier ones are intact); free some space and run it again`);
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) {
    return new StoreError(`${file}: the disk failed while writing (${code}): this analysis was not kept (earlier ones are intact)`);
  }
  return err;
}

/**
 * Where the app and `serve` keep analyses when no --db is given: the platform's per-user data
 * folder (XDG on Linux, Application Support on macOS, %APPDATA% on Windows).
 */
/** The per-user data folder: XDG on Linux, the platform's usual place elsewhere. */
export function dataDirectory(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'vmkscope');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'vmkscope');
  return path.join(env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(home, '.local', 'share'), 'vmkscope');
}

export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  return path.join(dataDirectory(env, platform), 'vmkscope.db');
}

/**
 * Open (creating if needed) a vmkscope database: WAL (readers never block the writer, a crash
 * loses at most the open transaction), foreign keys on, a busy timeout so two processes wait for
 * each other instead of failing, and the schema migrated forward.
 */
/**
 * better-sqlite3, loaded at the first open: its native module costs 20 ms of every start-up, and
 * `analyze` without --db never needs it.
 */
let sqliteModule: typeof Database | null = null;
function sqlite(): typeof Database {
  sqliteModule ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return sqliteModule;
}

export function openDatabase(file: string, options: { readonly?: boolean } = {}): Database.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: Database.Database;
  try {
    db = new (sqlite())(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (err) {
    throw new StoreError(`${file}: cannot open the database: ${(err as Error).message}`);
  }
  try {
    db.pragma('busy_timeout = 10000');
    if (!options.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // WAL with synchronous=NORMAL is durable across process crashes (kill -9); only an OS crash
    // can lose the last transactions, never corrupt the file.
    db.pragma('synchronous = NORMAL');
    migrate(db, file, options.readonly ?? false);
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    // A full disk is not a broken database.
    const disk = asStoreError(err, file);
    if (disk instanceof StoreError) throw disk;
    throw new StoreError(`${file}: not a usable vmkscope database: ${(err as Error).message}`);
  }
  return db;
}

function migrate(db: Database.Database, file: string, readonly: boolean): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new StoreError(`${file} was written by a newer vmkscope (schema ${version}; this one knows up to ${MIGRATIONS.length}): upgrade vmkscope to open it`);
  }
  if (version === MIGRATIONS.length) return;
  if (readonly) throw new StoreError(`${file} has schema ${version}, older than this vmkscope's ${MIGRATIONS.length}: open it once read-write to upgrade it`);
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      // Another process may have migrated while this one waited for the write lock.
      if ((db.pragma('user_version', { simple: true }) as number) > v) return;
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
