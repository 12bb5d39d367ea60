/** SQLite's result codes for a store that cannot be written now but may be later. */
const TRANSIENT_SQLITE = new Map([
  [5, 'the database is locked by another connection'],
  [6, 'a table is locked'],
  [8, 'the database is read-only'],
  [10, 'a disk read or write failed'],
  [13, 'the disk is full'],
  [14, 'the database file cannot be opened'],
]);
const TRANSIENT_FS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EIO', 'EMFILE', 'ENFILE']);

/**
 * Why the flow store cannot take or give flows just now (locked, disk full, …), or undefined when
 * `error` is something else. Nothing was stored: a batch goes in one transaction, rolled back.
 */
export function storeUnavailable(error: unknown): string | undefined {
  const { code, errcode } = (error ?? {}) as { code?: unknown; errcode?: unknown };
  if (code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number') return TRANSIENT_SQLITE.get(errcode & 0xff);
  if (typeof code === 'string' && TRANSIENT_FS.has(code))
    return `a file could not be read or written (${code})`;
  return undefined;
}
