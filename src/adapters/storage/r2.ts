/**
 * The object store on Cloudflare R2, through a worker's R2 bucket binding
 * (ingestion on workerd). R2's etag for a single-part put is the hex MD5 of
 * the content, as on S3, MinIO and the file store.
 *
 * R2 takes a stream only when its length is known: a stream with a known
 * size goes through workerd's `FixedLengthStream`; bytes, text, and streams of
 * unknown size (or where there is no `FixedLengthStream`, e.g. miniflare's
 * binding proxy in Node) are collected in memory first, so an upload of
 * unknown size is bounded by the worker's memory (the ingestion routes
 * bound request bodies). R2 has no server-side copy through the binding:
 * `copy` streams the object through the worker.
 */
import { NotFoundError } from "../../domain/errors.ts";
import type { ObjectBody, ObjectInfo, ObjectStore } from "../../domain/ports.ts";
import { checkObjectKey } from "./object-keys.ts";

/** An object's metadata as R2 gives it. */
interface R2ObjectLike {
  key: string;
  size: number;
  etag: string;
}

/** The part of workerd's `R2Bucket` this store uses. */
export interface R2BucketLike {
  put(key: string, value: ReadableStream | ArrayBuffer | Uint8Array | string, options?: { httpMetadata?: { contentType?: string } }): Promise<R2ObjectLike | null>;
  get(key: string): Promise<(R2ObjectLike & { body: ReadableStream<Uint8Array> }) | null>;
  head(key: string): Promise<R2ObjectLike | null>;
  list(options: { prefix: string; cursor?: string; limit?: number }): Promise<{ objects: R2ObjectLike[]; truncated: boolean; cursor?: string }>;
  delete(key: string): Promise<void>;
}

export interface R2ObjectStoreOptions {
  bucket: R2BucketLike;
  /** The bucket's name, for `r2://<name>/<key>` URIs. */
  bucketName: string;
}

type FixedLengthStreamConstructor = new (length: number) => TransformStream<Uint8Array, Uint8Array>;

const info = (object: R2ObjectLike): ObjectInfo => ({ key: object.key, size: object.size, etag: object.etag });

export function createR2ObjectStore({ bucket, bucketName }: R2ObjectStoreOptions): ObjectStore {
  async function put(key: string, body: ObjectBody, { size, contentType }: { size?: number; contentType?: string } = {}): Promise<ObjectInfo> {
    checkObjectKey(key);
    const options = contentType ? { httpMetadata: { contentType } } : undefined;
    const stored = await bucket.put(key, await uploadable(body, size), options);
    if (!stored) throw new Error(`R2 bucket "${bucketName}" did not store ${key}`);
    return info(stored);
  }

  return {
    kind: "r2",
    uri: (key) => `r2://${bucketName}/${key}`,
    put,
    async get(key) {
      const object = await bucket.get(checkObjectKey(key));
      if (!object) throw new NotFoundError(`No object ${key} in R2 bucket "${bucketName}"`);
      return object.body;
    },
    async head(key) {
      const object = await bucket.head(checkObjectKey(key));
      return object ? info(object) : undefined;
    },
    async list(prefix) {
      const found: ObjectInfo[] = [];
      let cursor: string | undefined;
      do {
        const page = await bucket.list({ prefix, ...(cursor ? { cursor } : {}) });
        found.push(...page.objects.map(info));
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      // R2 lists in UTF-8 byte order already; sorted here too so the order does not rest on that.
      return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async delete(key) {
      await bucket.delete(checkObjectKey(key));
    },
    async copy(sourceKey, targetKey) {
      checkObjectKey(targetKey);
      const source = await bucket.get(checkObjectKey(sourceKey));
      if (!source) throw new NotFoundError(`No object ${sourceKey} in R2 bucket "${bucketName}" to copy`);
      return put(targetKey, source.body, { size: source.size });
    },
  };
}

/** A body R2 accepts: a stream of known length where workerd can say so, otherwise the bytes. */
async function uploadable(body: ObjectBody, size: number | undefined): Promise<ReadableStream | Uint8Array | string> {
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  const FixedLength = (globalThis as { FixedLengthStream?: FixedLengthStreamConstructor }).FixedLengthStream;
  if (size !== undefined && FixedLength) {
    const fixed = new FixedLength(size);
    void body.pipeTo(fixed.writable).catch(() => {
      // The put reports a short or long stream itself.
    });
    return fixed.readable;
  }
  return new Uint8Array(await new Response(body).arrayBuffer());
}
