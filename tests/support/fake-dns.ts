import { createSocket, type Socket } from "node:dgram";

/** What the fake server knows per name (lower case): MX records and whether it has an A record; absent names are NXDOMAIN. */
export type DnsZone = Record<string, { mx?: { exchange: string; priority: number }[]; a?: string }>;

const TYPE_A = 1;
const TYPE_MX = 15;

function encodeName(name: string): Buffer {
  const labels = name === "" || name === "." ? [] : name.replace(/\.$/, "").split(".");
  return Buffer.concat([...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, "ascii")])), Buffer.from([0])]);
}

function readQuestion(query: Buffer): { name: string; type: number; end: number } {
  const labels: string[] = [];
  let at = 12;
  while (query[at] !== 0) {
    const length = query[at]!;
    labels.push(query.subarray(at + 1, at + 1 + length).toString("ascii"));
    at += length + 1;
  }
  return { name: labels.join(".").toLowerCase(), type: query.readUInt16BE(at + 1), end: at + 5 };
}

function record(type: number, rdata: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // the question's name
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4); // IN
  head.writeUInt32BE(60, 6);
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

/** Answers a DNS query from `zone`: NXDOMAIN for unknown names, NOERROR with no answers for a missing record type. */
export function answer(query: Buffer, zone: DnsZone): Buffer {
  const question = readQuestion(query);
  const entry = zone[question.name];
  const answers: Buffer[] = [];
  if (entry && question.type === TYPE_MX) {
    for (const mx of entry.mx ?? []) {
      const preference = Buffer.alloc(2);
      preference.writeUInt16BE(mx.priority);
      answers.push(record(TYPE_MX, Buffer.concat([preference, encodeName(mx.exchange)])));
    }
  }
  if (entry?.a && question.type === TYPE_A) answers.push(record(TYPE_A, Buffer.from(entry.a.split(".").map(Number))));
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8180 | (entry ? 0 : 3), 2); // response, recursion desired and available; NXDOMAIN when unknown
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, query.subarray(12, question.end), ...answers]);
}

/** A DNS server on a free loopback UDP port answering from `zone`. */
export async function startFakeDns(zone: DnsZone): Promise<{ server: string; close(): Promise<void> }> {
  const socket: Socket = createSocket("udp4");
  socket.on("message", (query, peer) => socket.send(answer(query, zone), peer.port, peer.address));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { server: `127.0.0.1:${socket.address().port}`, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}
