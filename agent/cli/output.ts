/** Where a command writes: stdout in the CLI, a buffer in tests. */
export interface Output {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/** Writes lines, waiting for the stream to drain so that huge outputs do not pile up in memory. */
export async function writeLines(out: Output, lines: Iterable<string>): Promise<void> {
  let batch = '';
  for (const line of lines) {
    batch += `${line}\n`;
    if (batch.length >= 1 << 16) {
      if (!out.write(batch)) await new Promise<void>((resolve) => out.once('drain', resolve));
      batch = '';
    }
  }
  if (batch && !out.write(batch)) await new Promise<void>((resolve) => out.once('drain', resolve));
}
