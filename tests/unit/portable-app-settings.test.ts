/**
 * The Deno and Bun entries refuse the settings only the Node entry serves,
 * naming the setting, instead of silently running without them.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import { createPortableApp } from "../../src/api/portable-app.ts";

const base = { BATON_EVENT_STORE: "memory" };

describe("portable entries (Deno, Bun)", () => {
  it.each([
    [{ BATON_BUS: "kafka", KAFKA_BROKERS: "127.0.0.1:9092" }, "BATON_BUS=kafka needs the Node entry (npm start); Deno supports memory"],
    [{ BATON_EVENT_STORE: "esdb", ESDB_URL: "esdb://127.0.0.1:2113?tls=false", BATON_AUTH_SECRET: "x".repeat(32) }, "BATON_EVENT_STORE=esdb needs the Node entry (npm start); Deno supports file and memory"],
    [{ BATON_OBJECT_STORE: "s3", S3_BUCKET: "runs" }, "BATON_OBJECT_STORE=s3 needs the Node entry (npm start); Deno supports fs"],
    [{ MINIO_ENDPOINT: "http://127.0.0.1:9000", MINIO_ACCESS_KEY: "a", MINIO_SECRET_KEY: "b" }, "MINIO_ENDPOINT (the raw-data bucket) needs the Node entry"],
  ])("refuses %j", async (env, message) => {
    const config = loadConfig({ ...base, ...env });
    await expect(createPortableApp(config, "Deno")).rejects.toThrow(message);
  });
});
