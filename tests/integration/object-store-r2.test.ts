/**
 * The R2 object store (src/adapters/storage/r2.ts) against the ObjectStore
 * contract every store passes, on R2 buckets served by miniflare (workerd),
 * reached through miniflare's binding proxy.
 */
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createR2ObjectStore, type R2BucketLike } from "../../src/adapters/storage/r2.ts";
import { objectStoreContract } from "../support/object-store-contract.ts";

let miniflare: Miniflare;
let objects: R2BucketLike;
let other: R2BucketLike;

beforeAll(async () => {
  miniflare = new Miniflare({ modules: true, script: "export default { fetch: () => new Response('buckets only', { status: 404 }) };", compatibilityDate: "2026-07-01", r2Buckets: ["OBJECTS", "OTHER"] });
  await miniflare.ready;
  objects = (await miniflare.getR2Bucket("OBJECTS")) as unknown as R2BucketLike;
  other = (await miniflare.getR2Bucket("OTHER")) as unknown as R2BucketLike;
}, 60_000);
afterAll(async () => {
  await miniflare?.dispose();
});

describe("R2 adapter (miniflare): contract, copying to a second bucket", () =>
  objectStoreContract(
    "r2",
    () => createR2ObjectStore({ bucket: objects, bucketName: "baton-objects" }),
    () => createR2ObjectStore({ bucket: other, bucketName: "baton-other" }),
  ));

describe("R2 adapter: naming", () => {
  it("names objects r2://<bucket>/<key> and says it is r2", () => {
    const store = createR2ObjectStore({ bucket: objects, bucketName: "baton-objects" });
    expect(store.kind).toBe("r2");
    expect(store.uri("runs/a/input.in")).toBe("r2://baton-objects/runs/a/input.in");
  });
});
