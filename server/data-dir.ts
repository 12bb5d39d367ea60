import { homedir } from 'node:os';

/** Where Palisade keeps data that outlives the lab: PALISADE_DATA_DIR, /var/lib/palisade as root. */
export const DATA_DIR =
  process.env.PALISADE_DATA_DIR ??
  (process.getuid?.() === 0 ? '/var/lib/palisade' : `${homedir()}/.palisade`);
