import { HttpError } from '../http/http-error.ts';
import { flowMatches } from './flow-match.ts';
import type { FlowQuery } from './flow-store.ts';
import type { FlowStream } from './flow-stream.ts';

/** Browsers reading the live stream at once, at most: each holds a queue of up to 10,000 flows. */
export const MAX_LIVE_READERS = 64;

/** Aborted when the server is told to stop (see {@link endOnShutdown}). */
let stopping: AbortController | undefined;

/**
 * `signal`, also aborted when the process is told to stop (SIGTERM, SIGINT) where it already stops
 * gracefully on them: Next.js's server waits for every open connection to end before it exits, and
 * a live stream never ends on its own. Where nothing handles the signals, what they do is left as is.
 */
function endOnShutdown(signal: AbortSignal): AbortSignal {
  if (!stopping && process.listenerCount('SIGTERM') > 0) {
    const controller = new AbortController();
    for (const name of ['SIGTERM', 'SIGINT'] as const) process.once(name, () => controller.abort());
    stopping = controller;
  }
  return stopping ? AbortSignal.any([signal, stopping.signal]) : signal;
}

/**
 * Live flow verdicts that answer `query` (as `GET /api/flows` reads it), as server-sent events:
 * `data: {"flows": […], "dropped": n}` every 100 ms at most. A browser that reads slowly loses its
 * oldest flows (counted in `dropped`); ingest never waits for it. Past {@link MAX_LIVE_READERS}
 * readers a new one is refused (429).
 */
export function liveFlowsResponse(stream: FlowStream, signal: AbortSignal, query: FlowQuery = {}): Response {
  if (stream.size >= MAX_LIVE_READERS)
    throw new HttpError(429, `${MAX_LIVE_READERS} browsers already read the live flows: close one`);
  const ended = endOnShutdown(signal);
  const encoder = new TextEncoder();
  let close = () => {};
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const flush = () => {
          timer = undefined;
          // The browser is behind: leave the flows in the bounded queue and look again soon.
          if ((controller.desiredSize ?? 1) <= 0) {
            timer = setTimeout(flush, 100);
            return;
          }
          const flows = subscription.drain().filter((flow) => flowMatches(query, flow));
          if (flows.length > 0) {
            controller.enqueue(
              encoder.encode(`data: ${JSON.stringify({ flows, dropped: subscription.dropped })}\n\n`),
            );
          }
        };
        const subscription = stream.subscribe(() => {
          timer ??= setTimeout(flush, 100);
        });
        const heartbeat = setInterval(() => controller.enqueue(encoder.encode(': alive\n\n')), 15_000);
        controller.enqueue(encoder.encode(': connected\n\n'));
        close = () => {
          clearInterval(heartbeat);
          clearTimeout(timer);
          subscription.close();
        };
        const end = () => {
          close();
          try {
            controller.close();
          } catch {
            // Already closed: the stream was cancelled first.
          }
        };
        if (ended.aborted) end();
        else ended.addEventListener('abort', end);
      },
      cancel() {
        close();
      },
    },
    { highWaterMark: 64 },
  );
  return new Response(body, {
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
  });
}
