import { HttpError } from './http-error.ts';

/**
 * A request's body, read as it streams in and given up as soon as it passes `maxBytes` (413), so
 * that no body larger than that is ever held.
 */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, `the body is larger than ${maxBytes} bytes`, 'body');
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge();
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      size += chunk.value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(chunk.value);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, `the body could not be read: ${(error as Error).message}`, 'body');
  }
  return Buffer.concat(chunks, size);
}

/** A request's body as text, read as {@link readBodyBytes} does; text that is not UTF-8 is a 400. */
export async function readBody(request: Request, maxBytes: number): Promise<string> {
  const bytes = await readBodyBytes(request, maxBytes);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HttpError(400, 'the body is not UTF-8 text', 'body');
  }
}
