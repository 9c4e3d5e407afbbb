/**
 * Opens the object stores the configuration names, for the Node entry point:
 * the ingestion service's store (BATON_OBJECT_STORE) and, when MINIO_ENDPOINT
 * is set, the MinIO raw-data bucket deployed workflows may take input from.
 * The S3 and MinIO drivers are imported only when chosen.
 */
import { join } from "node:path";
import { createFsObjectStore } from "../adapters/storage/fs.ts";
import type { ObjectStore } from "../domain/ports.ts";
import type { Config } from "./config.ts";

export interface ObjectStores {
  objects: ObjectStore;
  /** The raw-data source, when configured. */
  rawData?: ObjectStore;
}

export async function openObjectStores(config: Config): Promise<ObjectStores> {
  return { objects: await openObjectStore(config), ...(config.MINIO_ENDPOINT ? { rawData: await openRawData(config) } : {}) };
}

async function openObjectStore(config: Config): Promise<ObjectStore> {
  const credentials =
    config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
      ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
      : undefined;
  switch (config.BATON_OBJECT_STORE) {
    case "fs":
      return createFsObjectStore(join(config.DATA_DIR, "objects"));
    case "s3": {
      const { createS3ObjectStore } = await import("../adapters/storage/s3.ts");
      return createS3ObjectStore({
        bucket: config.S3_BUCKET!,
        region: config.S3_REGION,
        forcePathStyle: config.S3_FORCE_PATH_STYLE,
        ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
        ...(credentials ? { credentials } : {}),
      });
    }
    case "minio": {
      const { createMinioObjectStore } = await import("../adapters/storage/minio.ts");
      return createMinioObjectStore({
        endpoint: config.S3_ENDPOINT!,
        bucket: config.S3_BUCKET!,
        accessKey: credentials!.accessKeyId,
        secretKey: credentials!.secretAccessKey,
        region: config.S3_REGION,
        pathStyle: true,
      });
    }
    default: {
      const _exhaustive: never = config.BATON_OBJECT_STORE;
      throw new Error(`unknown object store ${String(_exhaustive)}`);
    }
  }
}

async function openRawData(config: Config): Promise<ObjectStore> {
  const { createMinioObjectStore } = await import("../adapters/storage/minio.ts");
  return createMinioObjectStore({
    endpoint: config.MINIO_ENDPOINT!,
    bucket: config.MINIO_RAW_DATA_BUCKET,
    accessKey: config.MINIO_ACCESS_KEY!,
    secretKey: config.MINIO_SECRET_KEY!,
    region: config.MINIO_REGION,
  });
}
