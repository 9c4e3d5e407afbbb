/**
 * The object store on S3 or any S3-compatible server (versitygw, MinIO, Ceph)
 * through @aws-sdk/client-s3. Streams with a known size go up as one
 * PutObject (an MD5 etag other stores can compare); streams of unknown size as
 * a multipart upload (@aws-sdk/lib-storage, bounded part buffers).
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Readable } from "node:stream";
import { NotFoundError } from "../../domain/errors.ts";
import type { ObjectInfo, ObjectStore } from "../../domain/ports.ts";
import { toNodeReadable, toWebStream } from "./node-streams.ts";
import { bareEtag, checkObjectKey } from "./object-keys.ts";

export interface S3ObjectStoreOptions {
  bucket: string;
  /** e.g. http://127.0.0.1:7070; AWS's own endpoint when absent. */
  endpoint?: string;
  region: string;
  /** Path-style URLs (`host/bucket/key`), which most S3-compatible servers need. */
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const isMissing = (error: unknown) =>
  error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === "NoSuchKey" || error.name === "NotFound");

/** A URI-safe CopySource (`bucket/key`, each key segment encoded). */
const copySource = (bucket: string, key: string) => `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;

export function createS3ObjectStore(options: S3ObjectStoreOptions): ObjectStore {
  const { bucket } = options;
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Checksums only when an operation requires them: S3-compatible servers vary in trailer support.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });

  async function head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: checkObjectKey(key) }));
      return { key, size: out.ContentLength ?? 0, etag: bareEtag(out.ETag) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  return {
    kind: "s3",
    uri: (key) => `s3://${bucket}/${key}`,

    async put(key, body, { size, contentType } = {}) {
      checkObjectKey(key);
      const known = typeof body === "string" ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.byteLength : size;
      if (known !== undefined) {
        const out = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: typeof body === "string" || body instanceof Uint8Array ? body : toNodeReadable(body),
            ContentLength: known,
            ...(contentType ? { ContentType: contentType } : {}),
          }),
        );
        return { key, size: known, etag: bareEtag(out.ETag) };
      }
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: toNodeReadable(body), ...(contentType ? { ContentType: contentType } : {}) },
      });
      await upload.done();
      const info = await head(key);
      if (!info) throw new Error(`S3 upload of '${key}' finished but the object is not there`);
      return info;
    },

    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: checkObjectKey(key) }));
        return toWebStream(out.Body as Readable);
      } catch (error) {
        if (isMissing(error)) throw new NotFoundError(`No object '${key}' in bucket ${bucket}`);
        throw error;
      }
    },

    head,

    async list(prefix) {
      const infos: ObjectInfo[] = [];
      let token: string | undefined;
      do {
        const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const item of out.Contents ?? []) {
          if (item.Key !== undefined) infos.push({ key: item.Key, size: item.Size ?? 0, etag: bareEtag(item.ETag) });
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      return infos.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: checkObjectKey(key) }));
    },

    async copy(sourceKey, targetKey) {
      try {
        await client.send(
          new CopyObjectCommand({ Bucket: bucket, Key: checkObjectKey(targetKey), CopySource: copySource(bucket, checkObjectKey(sourceKey)) }),
        );
      } catch (error) {
        if (isMissing(error)) throw new NotFoundError(`No object '${sourceKey}' in bucket ${bucket}`);
        throw error;
      }
      const info = await head(targetKey);
      if (!info) throw new Error(`S3 copy to '${targetKey}' finished but the object is not there`);
      return info;
    },
  };
}
