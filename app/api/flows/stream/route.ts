import { flowStream } from '../../../../server/flows/flow-service.ts';

export const dynamic = 'force-dynamic';

/**
 * Live flow verdicts as server-sent events: `data: {"flows": […], "dropped": n}` every 100 ms at
 * most. A browser that reads slowly loses its oldest flows (counted in `dropped`); ingest never
 * waits for it.
 */
export function GET(request: Request): Response {
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
          const flows = subscription.drain();
          if (flows.length > 0) {
            controller.enqueue(
              encoder.encode(`data: ${JSON.stringify({ flows, dropped: subscription.dropped })}\n\n`),
            );
          }
        };
        const subscription = flowStream().subscribe(() => {
          timer ??= setTimeout(flush, 100);
        });
        const heartbeat = setInterval(() => controller.enqueue(encoder.encode(': alive\n\n')), 15_000);
        controller.enqueue(encoder.encode(': connected\n\n'));
        close = () => {
          clearInterval(heartbeat);
          clearTimeout(timer);
          subscription.close();
        };
        request.signal.addEventListener('abort', () => {
          close();
          try {
            controller.close();
          } catch {
            // Already closed: the stream was cancelled first.
          }
        });
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
