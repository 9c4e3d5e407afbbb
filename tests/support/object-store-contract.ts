/**
 * The ObjectStore contract, run against every adapter: the file store in
 * tests/unit, S3 and MinIO against a real S3-compatible server in tests/services.
 */
import { createHash } from "node:crypto";
import { expect, it } from "vitest";
import { copyBetween } from "../../src/adapters/storage/copy-between.ts";
import { NotFoundError, ValidationError } from "../../src/domain/errors.ts";
import type { ObjectStore } from "../../src/domain/ports.ts";

const md5 = (data: Uint8Array | string) => createHash("md5").update(data).digest("hex");
const text = async (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

/** A stream of `chunks` chunks of `chunkSize` bytes each, made on demand (never one buffer). */
export function generatedStream(chunks: number, chunkSize: number, onPull?: (sent: number) => void): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent === chunks) return controller.close();
      controller.enqueue(new Uint8Array(chunkSize).fill(sent % 251));
      sent++;
      onPull?.(sent);
    },
  });
}

export function objectStoreContract(name: string, open: () => ObjectStore, second?: () => ObjectStore) {
  let n = 0;
  const prefix = () => `contract-${name}-${process.pid}-${++n}/`;

  it("puts, heads and gets text and bytes, with an MD5 etag", async () => {
    const store = open();
    const p = prefix();
    const info = await store.put(`${p}hello.txt`, "hello");
    expect(info).toMatchObject({ key: `${p}hello.txt`, size: 5, etag: md5("hello") });
    expect(await store.head(`${p}hello.txt`)).toMatchObject({ size: 5, etag: md5("hello") });
    expect(await text(await store.get(`${p}hello.txt`))).toBe("hello");
    const bytes = new Uint8Array([0, 1, 2, 255]);
    await store.put(`${p}deep/er/bytes.bin`, bytes);
    expect(new Uint8Array(await new Response(await store.get(`${p}deep/er/bytes.bin`)).arrayBuffer())).toEqual(bytes);
  });

  it("overwrites an object in place", async () => {
    const store = open();
    const p = prefix();
    await store.put(`${p}a`, "first");
    await store.put(`${p}a`, "second!");
    expect(await store.head(`${p}a`)).toMatchObject({ size: 7 });
    expect(await text(await store.get(`${p}a`))).toBe("second!");
  });

  it("puts a stream of unknown and of known size", async () => {
    const store = open();
    const p = prefix();
    const unknown = await store.put(`${p}unknown.bin`, generatedStream(8, 64 * 1024));
    expect(unknown.size).toBe(8 * 64 * 1024);
    expect((await store.head(`${p}unknown.bin`))?.size).toBe(8 * 64 * 1024);
    const known = await store.put(`${p}known.bin`, generatedStream(4, 1000), { size: 4000 });
    expect(known).toMatchObject({ size: 4000 });
    expect((await store.head(`${p}known.bin`))?.etag).toBe(known.etag);
  });

  it("reports missing objects: head undefined, get NotFoundError, delete a no-op", async () => {
    const store = open();
    const p = prefix();
    expect(await store.head(`${p}missing`)).toBeUndefined();
    await expect(store.get(`${p}missing`)).rejects.toBeInstanceOf(NotFoundError);
    await store.delete(`${p}missing`);
    await expect(store.copy(`${p}missing`, `${p}other`)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lists by prefix in key order, and deletes", async () => {
    const store = open();
    const p = prefix();
    for (const key of ["b.txt", "a.txt", "sub/c.txt", "sub/d/e.txt"]) await store.put(`${p}${key}`, key);
    await store.put(`${p.slice(0, -1)}-sibling/x`, "not mine");
    expect((await store.list(p)).map((info) => info.key)).toEqual(["a.txt", "b.txt", "sub/c.txt", "sub/d/e.txt"].map((k) => `${p}${k}`));
    expect((await store.list(`${p}sub/`)).map((info) => [info.key, info.size])).toEqual([
      [`${p}sub/c.txt`, 9],
      [`${p}sub/d/e.txt`, 11],
    ]);
    expect((await store.list(`${p}s`)).length).toBe(2);
    for (const info of await store.list(p)) await store.delete(info.key);
    expect(await store.list(p)).toEqual([]);
    await store.delete(`${p.slice(0, -1)}-sibling/x`);
  });

  it("copies within the store", async () => {
    const store = open();
    const p = prefix();
    await store.put(`${p}src`, "copy me");
    const info = await store.copy(`${p}src`, `${p}dst/copy`);
    expect(info).toMatchObject({ key: `${p}dst/copy`, size: 7, etag: md5("copy me") });
    expect(await text(await store.get(`${p}dst/copy`))).toBe("copy me");
    expect(await store.head(`${p}src`)).toBeDefined();
  });

  it("refuses keys that could escape the store", async () => {
    const store = open();
    for (const key of ["", "/abs", "a/../b", "a//b", "./a", "dir/"]) {
      await expect(store.put(key, "x"), key).rejects.toBeInstanceOf(ValidationError);
    }
  });

  it("copyBetween streams a large object and verifies size and etag", async () => {
    const source = open();
    const target = second ? second() : open();
    const p = prefix();
    const chunk = 256 * 1024;
    const chunks = 32; // 8 MiB
    await source.put(`${p}big.bin`, generatedStream(chunks, chunk), { size: chunks * chunk });
    const expected = await source.head(`${p}big.bin`);
    const copied = await copyBetween(source, target, `${p}big.bin`, `${p}copied/big.bin`);
    expect(copied).toMatchObject({ key: `${p}copied/big.bin`, size: chunks * chunk });
    if (expected?.etag && /^[0-9a-f]{32}$/.test(expected.etag)) expect(copied.etag).toBe(expected.etag);
    await expect(copyBetween(source, target, `${p}absent`)).rejects.toBeInstanceOf(NotFoundError);
  });
}
