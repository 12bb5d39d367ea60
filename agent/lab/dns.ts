/**
 * Just enough DNS for the lab: answers A queries for names it knows (class IN), says NXDOMAIN
 * for the rest of the lab's zone and answers other types with no records.
 */

const TYPE_A = 1;
const CLASS_IN = 1;

/** Reads the question's name and type; undefined when the query is malformed. */
function readQuestion(query: Buffer): { name: string; type: number; end: number } | undefined {
  const labels: string[] = [];
  let offset = 12;
  while (offset < query.length) {
    const length = query[offset] ?? 0;
    if (length === 0) break;
    if (length > 63 || offset + 1 + length > query.length) return undefined;
    labels.push(
      query
        .subarray(offset + 1, offset + 1 + length)
        .toString('ascii')
        .toLowerCase(),
    );
    offset += 1 + length;
  }
  if (offset + 5 > query.length) return undefined;
  return { name: labels.join('.'), type: query.readUInt16BE(offset + 1), end: offset + 5 };
}

/**
 * The response to `query`, or undefined for a packet that is not a query to answer. `lookup`
 * gives a name's IPv4 addresses, or undefined for a name that does not exist (NXDOMAIN).
 */
export function answerQuery(
  query: Buffer,
  lookup: (name: string) => readonly string[] | undefined,
): Buffer | undefined {
  if (query.length < 12 || (query[2] ?? 0) & 0x80 || query.readUInt16BE(4) !== 1) return undefined;
  const question = readQuestion(query);
  if (!question) return undefined;
  const addresses = lookup(question.name);
  const known = addresses !== undefined && addresses.length > 0;
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  // QR, opcode 0, AA; RD copied; RA; rcode NXDOMAIN (3) when the name is unknown.
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (known ? 0 : 3), 2);
  header.writeUInt16BE(1, 4);
  const answers = known && question.type === TYPE_A ? addresses : [];
  header.writeUInt16BE(answers.length, 6);
  const parts = [header, query.subarray(12, question.end)];
  for (const address of answers) {
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // the name, by pointer to the question
    record.writeUInt16BE(TYPE_A, 2);
    record.writeUInt16BE(CLASS_IN, 4);
    record.writeUInt32BE(5, 6); // TTL
    record.writeUInt16BE(4, 10);
    address.split('.').forEach((octet, i) => {
      record[12 + i] = Number(octet);
    });
    parts.push(record);
  }
  return Buffer.concat(parts);
}
