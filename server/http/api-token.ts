import { randomBytes, timingSafeEqual } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DATA_DIR } from '../data-dir.ts';

/** The API token cannot be read or made: the server's own setup is at fault, not the request. */
export class ApiTokenError extends Error {
  override name = 'ApiTokenError';
}

/** Where the lab's API token lives: PALISADE_API_TOKEN_FILE, else `api-token` in the data folder. */
export const apiTokenFile = (): string => process.env.PALISADE_API_TOKEN_FILE ?? `${DATA_DIR}/api-token`;

/**
 * The token that lab-mode writes need (as `Authorization: Bearer …` or the browser's session
 * cookie). The first reader makes it: 32 random bytes in a file only its owner may read (0600);
 * several processes starting at once agree on one, since the file appears whole (a hard link) or not
 * at all. A file others may read is refused rather than trusted.
 */
export function ensureApiToken(file = apiTokenFile()): string {
  for (;;) {
    try {
      return readApiToken(file);
    } catch (error) {
      if (error instanceof ApiTokenError) throw error;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new ApiTokenError(`cannot read the API token ${file}: ${(error as Error).message}`);
    }
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
      writeFileSync(temp, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
      try {
        linkSync(temp, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        unlinkSync(temp);
      }
    } catch (error) {
      throw new ApiTokenError(`cannot make the API token ${file}: ${(error as Error).message}`);
    }
  }
}

function readApiToken(file: string): string {
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077)
    throw new ApiTokenError(
      `${file} may be read by other users (mode ${mode.toString(8)}): chmod 600 ${file}`,
    );
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) throw new ApiTokenError(`${file} holds no token of at least 16 characters`);
  return token;
}

/** Whether `given` is `expected` (never when that is empty), in time that does not depend on where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return b.length > 0 && a.length === b.length && timingSafeEqual(a, b);
}
