import { apiTokenFile, ensureApiToken } from '../server/http/api-token.ts';

// For scripts/start.sh: the lab's API token (made on first use), after the file that holds it.
process.stdout.write(`${apiTokenFile()}\n${ensureApiToken()}\n`);
