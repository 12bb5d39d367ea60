import type { KubeConfig } from '@kubernetes/client-node';
import type { Json } from '../kube/decode.ts';
import { requestTo, statusMessage } from './raw-request.ts';

/**
 * A watch with no bytes for this long is taken as dead and ended with a TimeoutError (the
 * informer then watches again from where it was). The API server sends a bookmark about every
 * minute to a watch that allows them.
 */
const IDLE_MS = 90_000;

/** Why a watch ended when it did not end cleanly: `statusCode` is the API server's answer (410: expired). */
export class WatchError extends Error {
  readonly statusCode?: number;
  constructor(message: string, statusCode?: number, name = 'WatchError') {
    super(message);
    this.name = name;
    this.statusCode = statusCode;
  }
}

/**
 * Watches `path` on the API server over node:https, on the kubeconfig's kept-alive connection:
 * each line of the stream is one event, handed to `onEvent` as the API server wrote it. `onEnd`
 * is called once, with null when the server closed the watch, or with the error that ended it
 * (an answer other than 200, a line that is not an event, a throw of `onEvent`, a lost
 * connection); never after `abort()`. (client-node's Watch goes through fetch, a web stream and
 * readline, which cost several times more CPU per event.)
 */
export async function watchStream(
  config: KubeConfig,
  path: string,
  query: Record<string, string>,
  accept: string,
  onEvent: (type: string, object: Json) => void,
  onEnd: (error: WatchError | null) => void,
): Promise<{ abort(): void }> {
  const search = new URLSearchParams({ ...query, watch: 'true' });
  const { url, options, send } = await requestTo(config, 'GET', `${path}?${search}`, accept);
  options.timeout = IDLE_MS;
  let ended = false;
  const end = (error: WatchError | null) => {
    if (ended) return;
    ended = true;
    request.destroy();
    onEnd(error);
  };
  /** One line of the stream: an event, or nothing (a blank line). */
  const take = (line: string) => {
    if (line.trim() === '') return;
    let event: { type?: unknown; object?: unknown };
    try {
      event = JSON.parse(line);
    } catch {
      return end(new WatchError(`a line of the watch is not JSON: ${line.slice(0, 80)}`));
    }
    if (typeof event.type !== 'string' || !event.object || typeof event.object !== 'object')
      return end(new WatchError(`a line of the watch is not an event: ${line.slice(0, 80)}`));
    try {
      onEvent(event.type, event.object as Json);
    } catch (error) {
      end(new WatchError(`handling a ${event.type} event: ${(error as Error).message}`));
    }
  };
  const request = send(url, options, (response) => {
    response.setEncoding('utf8');
    const status = response.statusCode ?? 0;
    if (status !== 200) {
      let text = '';
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => end(new WatchError(`${status} ${statusMessage(text)}`, status)));
      return;
    }
    // What came after the last newline: the start of a line still on its way.
    let partial = '';
    response.on('data', (chunk: string) => {
      let start = 0;
      for (let newline = chunk.indexOf('\n'); newline >= 0 && !ended; newline = chunk.indexOf('\n', start)) {
        const line = partial + chunk.slice(start, newline);
        partial = '';
        start = newline + 1;
        take(line);
      }
      if (!ended) partial += chunk.slice(start);
    });
    response.on('end', () => end(null));
  });
  request.on('timeout', () =>
    end(new WatchError(`no bytes for ${IDLE_MS / 1000} s`, undefined, 'TimeoutError')),
  );
  request.on('error', (error) => end(new WatchError(error.message)));
  // Whatever else ends it (the connection lost before the answer or its end): not a clean end.
  request.on('close', () => end(new WatchError('the connection closed before the watch ended')));
  request.end();
  return {
    abort() {
      ended = true;
      request.destroy();
    },
  };
}
