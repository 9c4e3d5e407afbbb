import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { copyBetween, CopyVerificationError } from "../../src/adapters/storage/copy-between.ts";
import { createFsObjectStore } from "../../src/adapters/storage/fs.ts";
import type { ObjectStore } from "../../src/domain/ports.ts";
import { objectStoreContract } from "../support/object-store-contract.ts";

const dir = mkdtempSync(join(tmpdir(), "baton-objects-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("file object store: contract", () => {
  objectStoreContract("fs", () => createFsObjectStore(join(dir, "a")), () => createFsObjectStore(join(dir, "b")));
});

describe("file object store: specifics", () => {
  it("gives file:// URIs under its root and leaves no temp files or empty dirs", async () => {
    const store = createFsObjectStore(join(dir, "c"));
    expect(store.uri("runs/x/input.in")).toBe(`file://${join(dir, "c", "runs", "x", "input.in")}`);
    await store.put("runs/x/input.in", "data");
    await store.delete("runs/x/input.in");
    expect(readdirSync(join(dir, "c")).sort()).toEqual([".tmp"]);
    expect(readdirSync(join(dir, "c", ".tmp"))).toEqual([]);
  });

  it("keeps the old object when a streamed put fails half-way", async () => {
    const store = createFsObjectStore(join(dir, "d"));
    await store.put("k", "old");
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("partial"));
        controller.error(new Error("source broke"));
      },
    });
    await expect(store.put("k", failing)).rejects.toThrow("source broke");
    expect(await new Response(await store.get("k")).text()).toBe("old");
    expect(readdirSync(join(dir, "d", ".tmp"))).toEqual([]);
  });

  it("copyBetween deletes a copy whose size does not match and says so", async () => {
    const source = createFsObjectStore(join(dir, "e"));
    await source.put("f", "twelve bytes");
    const real = createFsObjectStore(join(dir, "f"));
    const lying: ObjectStore = { ...real, head: async (key) => ((await real.head(key)) ? { key, size: 3 } : undefined) };
    await expect(copyBetween(source, lying, "f")).rejects.toBeInstanceOf(CopyVerificationError);
    expect(await real.head("f")).toBeUndefined();
  });
});
