import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";

const message = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  return "no error";
};

describe("object store configuration", () => {
  it("defaults to the file store and the raw-data bucket name", () => {
    const config = loadConfig({});
    expect(config.BATON_OBJECT_STORE).toBe("fs");
    expect(config.S3_REGION).toBe("us-east-1");
    expect(config.S3_FORCE_PATH_STYLE).toBe(false);
    expect(config.MINIO_RAW_DATA_BUCKET).toBe("raw-data");
    expect(config.MINIO_ENDPOINT).toBeUndefined();
  });

  it("reads S3 and MinIO settings", () => {
    const config = loadConfig({
      BATON_OBJECT_STORE: "s3",
      S3_ENDPOINT: "http://127.0.0.1:7070",
      S3_BUCKET: "runs-bucket",
      S3_ACCESS_KEY_ID: "a",
      S3_SECRET_ACCESS_KEY: "s",
      S3_FORCE_PATH_STYLE: "true",
      MINIO_ENDPOINT: "https://minio.local:9000",
      MINIO_ACCESS_KEY: "ma",
      MINIO_SECRET_KEY: "ms",
    });
    expect(config).toMatchObject({ BATON_OBJECT_STORE: "s3", S3_BUCKET: "runs-bucket", S3_FORCE_PATH_STYLE: true, MINIO_ENDPOINT: "https://minio.local:9000" });
  });

  it.each([
    [{ BATON_OBJECT_STORE: "gcs" }, "BATON_OBJECT_STORE must be one of fs, s3, minio"],
    [{ BATON_OBJECT_STORE: "s3" }, "S3_BUCKET is required when BATON_OBJECT_STORE is s3 or minio"],
    [{ BATON_OBJECT_STORE: "minio", S3_BUCKET: "b-1" }, "S3_ENDPOINT, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required"],
    [{ S3_BUCKET: "Bad_Bucket" }, "S3_BUCKET must be an S3 bucket name"],
    [{ S3_ENDPOINT: "127.0.0.1:7070" }, "S3_ENDPOINT must be an http:// or https:// URL"],
    [{ S3_FORCE_PATH_STYLE: "yes" }, "S3_FORCE_PATH_STYLE must be true or false"],
    [{ S3_ACCESS_KEY_ID: "a" }, "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together"],
    [{ MINIO_ENDPOINT: "http://127.0.0.1:9000" }, "MINIO_ACCESS_KEY and MINIO_SECRET_KEY are required when MINIO_ENDPOINT is set"],
    [{ MINIO_RAW_DATA_BUCKET: "x" }, "MINIO_RAW_DATA_BUCKET must be an S3 bucket name"],
  ])("%j is refused naming the variable", (env, expected) => {
    expect(message(env as Record<string, string>)).toContain(expected);
  });
});
