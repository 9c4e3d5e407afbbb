/**
 * The object store on MinIO (or any S3-compatible server) through the `minio`
 * client: the original system's raw-data source, and a store in its own right
 * (`BATON_OBJECT_STORE=minio`). The client takes host and port, not a URL.
 */
import * as Minio from "minio";
import { NotFoundError } from "../../domain/errors.ts";
import type { ObjectInfo, ObjectStore } from "../../domain/ports.ts";
import { toNodeReadable, toWebStream } from "./node-streams.ts";
import { bareEtag, checkObjectKey } from "./object-keys.ts";

export interface MinioObjectStoreOptions {
  /** e.g. http://127.0.0.1:9000 */
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  region?: string;
  pathStyle?: boolean;
}

const isMissing = (error: unknown) => {
  const code = (error as { code?: string } | null)?.code;
  return code === "NoSuchKey" || code === "NotFound" || code === "NoSuchBucket";
};

export function createMinioObjectStore(options: MinioObjectStoreOptions): ObjectStore {
  const url = new URL(options.endpoint);
  const useSSL = url.protocol === "https:";
  const client = new Minio.Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    ...(options.region ? { region: options.region } : {}),
    pathStyle: options.pathStyle ?? true,
  });
  const { bucket } = options;

  async function head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const stat = await client.statObject(bucket, checkObjectKey(key));
      return { key, size: stat.size, etag: bareEtag(stat.etag) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  return {
    kind: "minio",
    uri: (key) => `s3://${bucket}/${key}`,

    async put(key, body, { size, contentType } = {}) {
      checkObjectKey(key);
      const known = typeof body === "string" ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.byteLength : size;
      const data = typeof body === "string" ? Buffer.from(body) : body instanceof Uint8Array ? Buffer.from(body) : toNodeReadable(body);
      const out = await client.putObject(bucket, key, data, known, contentType ? { "Content-Type": contentType } : {});
      return { key, size: known ?? (await head(key))?.size ?? 0, etag: bareEtag(out.etag) };
    },

    async get(key) {
      try {
        return toWebStream(await client.getObject(bucket, checkObjectKey(key)));
      } catch (error) {
        if (isMissing(error)) throw new NotFoundError(`No object '${key}' in bucket ${bucket}`);
        throw error;
      }
    },

    head,

    async list(prefix) {
      const infos: ObjectInfo[] = [];
      for await (const item of client.listObjectsV2(bucket, prefix, true)) {
        if (item.name !== undefined) infos.push({ key: item.name, size: item.size, etag: bareEtag(item.etag) });
      }
      return infos.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    async delete(key) {
      await client.removeObject(bucket, checkObjectKey(key));
    },

    async copy(sourceKey, targetKey) {
      try {
        await client.copyObject(
          new Minio.CopySourceOptions({ Bucket: bucket, Object: checkObjectKey(sourceKey) }),
          new Minio.CopyDestinationOptions({ Bucket: bucket, Object: checkObjectKey(targetKey) }),
        );
      } catch (error) {
        if (isMissing(error)) throw new NotFoundError(`No object '${sourceKey}' in bucket ${bucket}`);
        throw error;
      }
      const info = await head(targetKey);
      if (!info) throw new Error(`MinIO copy to '${targetKey}' finished but the object is not there`);
      return info;
    },
  };
}
