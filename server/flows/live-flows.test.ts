import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlowStream } from './flow-stream.ts';
import { liveFlowsResponse } from './live-flows.ts';

test('a live stream ends when the server, stopping gracefully on SIGTERM, is told to stop', async () => {
  // As Next.js's server does: it exits once every open connection has ended.
  const graceful = () => {};
  process.on('SIGTERM', graceful);
  try {
    const stream = new FlowStream();
    const reader = (
      liveFlowsResponse(stream, new AbortController().signal).body as ReadableStream
    ).getReader();
    await reader.read(); // ': connected'
    assert.equal(stream.size, 1);
    process.emit('SIGTERM');
    assert.equal((await reader.read()).done, true, 'the stream ended');
    assert.equal(stream.size, 0, 'its reader is gone');
  } finally {
    process.off('SIGTERM', graceful);
  }
});
