/**
 * Where things are in block-style YAML, read from indentation alone (what an editor holds while
 * someone types, even when it does not parse): the line of a field path such as
 * `spec.ingress[0].ports[1].port`, and the path of the mapping a cursor is in.
 */

interface Line {
  /** 1-based line number. */
  readonly number: number;
  readonly indent: number;
  /** The key on this line, if it starts a mapping entry (after any `- `). */
  readonly key?: string;
  /** Whether the line starts a sequence item (`- `), and the indent of its content. */
  readonly item?: number;
}

function scan(text: string): Line[][] {
  const documents: Line[][] = [[]];
  text.split('\n').forEach((raw, i) => {
    if (/^---\s*$/.test(raw)) {
      documents.push([]);
      return;
    }
    const content = raw.replace(/\s+#.*$|^\s*#.*$/, '');
    if (content.trim() === '') return;
    const indent = content.length - content.trimStart().length;
    const item = /^(\s*)-(\s+|$)/.exec(content);
    const rest = item ? content.slice(item[0].length) : content.trimStart();
    const key = /^([A-Za-z0-9_.\-/]+)\s*:(\s|$)/.exec(rest)?.[1];
    documents.at(-1)?.push({
      number: i + 1,
      indent,
      key,
      item: item ? item[0].length : undefined,
    });
  });
  // A stream that starts with `---` starts with its first document, as YAML parsers count them.
  return documents[0]?.length === 0 && documents.length > 1 ? documents.slice(1) : documents;
}

/** `spec.ingress[0].ports` → ['spec', 'ingress', 0, 'ports']. */
export function parseFieldPath(field: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const match of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) parts.push(Number(match[2]));
    else if (match[1] !== undefined) parts.push(match[1]);
  }
  return parts;
}

/**
 * The 1-based line of `field` in the `document`-th YAML document (1-based), or of the deepest part
 * of it that exists; the document's first line when nothing of it is found.
 */
export function lineOfField(text: string, document: number, field: string): number {
  const lines = scan(text)[document - 1] ?? [];
  let found = lines[0]?.number ?? 1;
  let from = 0;
  let to = lines.length;
  let indent = -1;
  for (const part of parseFieldPath(field)) {
    const at =
      typeof part === 'string' ? keyLine(lines, from, to, part, indent) : itemLine(lines, from, to, part);
    if (at < 0) break;
    const line = lines[at] as Line;
    found = line.number;
    indent = typeof part === 'string' ? (line.item ?? line.indent) : line.indent;
    from = typeof part === 'string' ? at + 1 : at;
    to = endOfBlock(lines, at, typeof part === 'number');
  }
  return found;
}

/** The first line in [from, to) whose key is `key`, nested deeper than `indent`. */
function keyLine(lines: readonly Line[], from: number, to: number, key: string, indent: number): number {
  for (let i = from; i < to; i++) {
    const line = lines[i] as Line;
    if (line.key === key && (line.item ?? line.indent) > indent) return i;
  }
  return -1;
}

/** The `index`-th item of the first sequence in [from, to). */
function itemLine(lines: readonly Line[], from: number, to: number, index: number): number {
  let itemIndent: number | undefined;
  let count = -1;
  for (let i = from; i < to; i++) {
    const line = lines[i] as Line;
    if (line.item === undefined) continue;
    itemIndent ??= line.indent;
    if (line.indent !== itemIndent) continue;
    count++;
    if (count === index) return i;
  }
  return -1;
}

/** The index after the last line that belongs to line `at` (an item's, or a key's block). */
function endOfBlock(lines: readonly Line[], at: number, asItem: boolean): number {
  const start = lines[at] as Line;
  for (let i = at + 1; i < lines.length; i++) {
    const line = lines[i] as Line;
    const ends = asItem
      ? line.indent <= start.indent
      : line.indent < start.indent || (line.indent === start.indent && line.item === undefined);
    if (ends) return i;
  }
  return lines.length;
}

/**
 * The keys of the mappings enclosing where someone types at `column` (1-based) on `line`: e.g.
 * ['spec', 'ingress', 'from'] inside a peer of an ingress rule. Sequence items add no key.
 */
export function pathAt(text: string, line: number, column: number): string[] {
  const rows = text.split('\n');
  const before = (rows[line - 1] ?? '').slice(0, column - 1);
  const item = /^(\s*)-\s+/.exec(before);
  let indent = item ? item[0].length : before.length - before.trimStart().length;
  const path: string[] = [];
  for (let i = line - 2; i >= 0 && indent > 0; i--) {
    const row = rows[i] ?? '';
    if (/^---\s*$/.test(row)) break;
    const content = row.replace(/\s+#.*$|^\s*#.*$/, '');
    if (content.trim() === '') continue;
    const rowIndent = content.length - content.trimStart().length;
    const rowItem = /^(\s*)-(\s+|$)/.exec(content);
    const keyColumn = rowItem ? rowItem[0].length : rowIndent;
    const opens = /^([A-Za-z0-9_.\-/]+)\s*:\s*$/.exec(content.slice(keyColumn))?.[1];
    if (opens && keyColumn < indent) {
      path.unshift(opens);
      indent = keyColumn;
    }
    // Inside this item: its sequence's key is left of the dash, or at its column (`key:\n- item`).
    if (rowItem && rowIndent < indent) indent = rowIndent + 1;
  }
  return path;
}

/** The `kind:` of the YAML document that holds `line` (1-based), if it says. */
export function kindAt(text: string, line: number): string | undefined {
  const rows = text.split('\n');
  let start = line - 1;
  while (start > 0 && !/^---\s*$/.test(rows[start] ?? '')) start--;
  for (let i = start; i < rows.length; i++) {
    const row = rows[i] ?? '';
    if (i > start && /^---\s*$/.test(row)) break;
    const kind = /^kind:\s*['"]?([A-Za-z]+)/.exec(row)?.[1];
    if (kind) return kind;
  }
  return undefined;
}
