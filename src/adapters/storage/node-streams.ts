import { Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import type { ObjectBody } from "../../domain/ports.ts";

/** An ObjectBody as a Node stream, for drivers that want one. */
export function toNodeReadable(body: ObjectBody): Readable {
  if (typeof body === "string") return Readable.from([Buffer.from(body)]);
  if (body instanceof Uint8Array) return Readable.from([Buffer.from(body.buffer, body.byteOffset, body.byteLength)]);
  return Readable.fromWeb(body as NodeWebStream<Uint8Array>);
}

/** A Node stream as the port's web stream. */
export function toWebStream(stream: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
}
