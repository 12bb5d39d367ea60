import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { type WatchError, watchStream } from './watch-stream.ts';

// How the stream is read, byte by byte: what a real API server sends is in the Kubernetes tests
// (informer.kube-test.ts); here a local HTTP server cuts the stream where a network may.

async function serving(handler: (request: IncomingMessage, response: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'local', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'nobody' }],
    contexts: [{ name: 'local', cluster: 'local', user: 'nobody' }],
    currentContext: 'local',
  });
  return {
    config,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Watches until the watch ends; returns the events' types and names, and how it ended. */
async function watched(config: KubeConfig, onEvent?: () => void) {
  const events: string[] = [];
  const ended = await new Promise<WatchError | null>((resolve, reject) => {
    watchStream(
      config,
      '/api/v1/pods',
      { resourceVersion: '7' },
      'application/json',
      (type, object) => {
        onEvent?.();
        events.push(`${type} ${(object.metadata as { name: string }).name}`);
      },
      resolve,
    ).catch(reject);
  });
  return { events, ended };
}

const line = (type: string, name: string) => `${JSON.stringify({ type, object: { metadata: { name } } })}\n`;

test('events cut anywhere, in multi-byte text, with blank lines between, come whole and in order', async () => {
  let query = '';
  const text = `${line('ADDED', 'été-😀')}\n${line('MODIFIED', 'b')}${line('DELETED', 'c')}`;
  const bytes = Buffer.from(text);
  const api = await serving(async (request, response) => {
    query = request.url ?? '';
    response.writeHead(200, { 'content-type': 'application/json' });
    // One byte at a time: every line and every character is cut somewhere.
    for (const byte of bytes) {
      response.write(Buffer.from([byte]));
      await sleep(0);
    }
    response.end();
  });
  try {
    const { events, ended } = await watched(api.config);
    assert.deepEqual(events, ['ADDED été-😀', 'MODIFIED b', 'DELETED c']);
    assert.equal(ended, null);
    assert.match(query, /resourceVersion=7/);
    assert.match(query, /watch=true/);
  } finally {
    api.close();
  }
});

test('an answer other than 200 ends the watch with its status and message', async () => {
  const api = await serving((_, response) => {
    response.writeHead(410, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ kind: 'Status', code: 410, message: 'too old resource version: 7 (9)' }));
  });
  try {
    const { ended } = await watched(api.config);
    assert.equal(ended?.statusCode, 410);
    assert.match(String(ended?.message), /^410 too old resource version/);
  } finally {
    api.close();
  }
});

test('a connection lost in the middle of an answer ends the watch with an error, whatever the answer', async () => {
  for (const status of [200, 503]) {
    const api = await serving((_, response) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.write(status === 200 ? line('ADDED', 'a') : '{"kind":"Status","mess');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    try {
      const { events, ended } = await watched(api.config);
      assert.deepEqual(events, status === 200 ? ['ADDED a'] : []);
      assert.ok(ended, `a ${status} answer cut short ends the watch with an error`);
    } finally {
      api.close();
    }
  }
});

test('a line that is not an event, or a handler that throws, ends the watch with an error naming it', async () => {
  for (const [body, thrower, reason] of [
    ['{"type":"ADDED","obj', false, /not JSON/],
    ['{"kind":"Status"}\n', false, /not an event/],
    [line('ADDED', 'a') + line('ADDED', 'b'), true, /handling a ADDED event: broken handler/],
  ] as const) {
    const api = await serving((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(`${body}\n`);
    });
    try {
      const { events, ended } = await watched(
        api.config,
        thrower
          ? () => {
              throw new Error('broken handler');
            }
          : undefined,
      );
      assert.deepEqual(events, []);
      assert.match(String(ended?.message), reason);
    } finally {
      api.close();
    }
  }
});

test('an aborted watch ends without a word', async () => {
  const api = await serving((_, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write(line('ADDED', 'a'));
  });
  try {
    let ends = 0;
    const seen: string[] = [];
    const watch = await watchStream(
      api.config,
      '/api/v1/pods',
      {},
      'application/json',
      (type) => seen.push(type),
      () => ends++,
    );
    while (seen.length === 0) await sleep(10);
    watch.abort();
    await sleep(200);
    assert.equal(ends, 0);
  } finally {
    api.close();
  }
});
