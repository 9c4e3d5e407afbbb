/**
 * The object store adapters and the ingestion service against a real
 * S3-compatible server: versitygw, built and started by scripts/services/s3.sh
 * (tests/support/s3-global-setup.ts). The S3 adapter is the run store, the
 * MinIO adapter the raw-data source, both on the same server.
 */
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { copyBetween } from "../../src/adapters/storage/copy-between.ts";
import { createMinioObjectStore } from "../../src/adapters/storage/minio.ts";
import { createS3ObjectStore } from "../../src/adapters/storage/s3.ts";
import { createApp } from "../../src/api/app.ts";
import { loadConfig } from "../../src/api/config.ts";
import { openObjectStores } from "../../src/api/open-object-store.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";
import { generatedStream, objectStoreContract } from "../support/object-store-contract.ts";
import { s3Client } from "../support/s3.ts";

const injected = inject("s3");
if (!injected) throw new Error("the s3 project's global setup provided no server (BATON_SKIP_SERVICES leaves the whole project out instead)");
const shared = injected;

describe("object stores on versitygw", () => {
  const server = shared!;
  const s3 = () =>
    createS3ObjectStore({
      bucket: server.buckets.objects,
      endpoint: server.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
  const minio = () =>
    createMinioObjectStore({
      endpoint: server.endpoint,
      bucket: server.buckets.rawData,
      accessKey: server.accessKeyId,
      secretKey: server.secretAccessKey,
    });

  describe("S3 adapter (@aws-sdk/client-s3): contract, copying to MinIO", () => objectStoreContract("s3", s3, minio));
  describe("MinIO adapter (minio): contract, copying to S3", () => objectStoreContract("minio", minio, s3));

  it("gives s3:// URIs", () => {
    expect(s3().uri("runs/a/input.in")).toBe(`s3://${server.buckets.objects}/runs/a/input.in`);
    expect(minio().uri("x.csv")).toBe(`s3://${server.buckets.rawData}/x.csv`);
  });

  it("copyBetween raw-data -> S3 streams a 24 MiB object, same size and MD5 etag", async () => {
    const chunk = 1024 * 1024;
    const chunks = 24;
    let pulled = 0;
    const raw = minio();
    const target = s3();
    await raw.put("big/day.bin", generatedStream(chunks, chunk, (sent) => (pulled = sent)), { size: chunks * chunk });
    expect(pulled).toBe(chunks);
    const source = await raw.head("big/day.bin");
    const heapBefore = process.memoryUsage().arrayBuffers;
    const copied = await copyBetween(raw, target, "big/day.bin", "copies/day.bin");
    expect(copied.size).toBe(chunks * chunk);
    expect(copied.etag).toBe(source?.etag);
    expect(copied.etag).toMatch(/^[0-9a-f]{32}$/);
    // A whole-file buffer would hold 24 MiB at once; streaming keeps far less alive.
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(chunks * chunk);
    await target.delete("copies/day.bin");
    await raw.delete("big/day.bin");
  });
});

describe("POST /workflow/deploy on S3 with the MinIO raw-data source", () => {
  const server = shared!;
  let engine: Engine;
  let app: ReturnType<typeof createApp>;
  const client = () => s3Client(server);

  beforeAll(async () => {
    // Through the configuration, as `npm start` opens them.
    const config = loadConfig({
      BATON_OBJECT_STORE: "s3",
      S3_ENDPOINT: server.endpoint,
      S3_REGION: "us-east-1",
      S3_BUCKET: server.buckets.objects,
      S3_ACCESS_KEY_ID: server.accessKeyId,
      S3_SECRET_ACCESS_KEY: server.secretAccessKey,
      S3_FORCE_PATH_STYLE: "true",
      MINIO_ENDPOINT: server.endpoint,
      MINIO_ACCESS_KEY: server.accessKeyId,
      MINIO_SECRET_KEY: server.secretAccessKey,
    });
    const stores = await openObjectStores(config);
    expect(stores.objects.kind).toBe("s3");
    expect(stores.rawData?.kind).toBe("minio");
    engine = await createEngine({ store: createMemoryEventStore(), evaluators: await loadEvaluators(), sweepIntervalMs: 50 });
    app = createApp({ engine, ingestion: { ...stores, rawDataBucket: config.MINIO_RAW_DATA_BUCKET } });
    await stores.rawData!.put("2024/11/day.csv", "id,value\n1,10\n2,20\n");
  });
  afterAll(async () => engine?.close());

  const deploy = async (body: unknown) => {
    const response = await app.request("/workflow/deploy", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const keysUnder = async (prefix: string) =>
    ((await client().send(new ListObjectsV2Command({ Bucket: server.buckets.objects, Prefix: prefix }))).Contents ?? []).map((o) => o.Key).sort();
  const objectText = async (key: string) =>
    (await client().send(new GetObjectCommand({ Bucket: server.buckets.objects, Key: key }))).Body!.transformToString();

  const workflow = (name: string, xml = `<service name="clean"><threshold>3</threshold></service>`) => ({
    name,
    version: 1,
    tasks: [{ name: `${name}_clean`, taskReferenceName: "clean", type: "SIMPLE", inputParameters: { dp_config: xml } }],
  });

  it("copies the raw-data input to S3, stores the configs, and starts the workflow with s3:// URIs", async () => {
    const res = await deploy({
      workflow: workflow("s3_ingest"),
      workflow_id: "s3-run-1",
      trigger_conductor: true,
      input: { input_file: "raw-data/2024/11/day.csv" },
    });
    expect(res.status).toBe(200);
    const base = `s3://${server.buckets.objects}/runs/s3-run-1/`;
    expect(res.body).toMatchObject({
      runId: "s3-run-1",
      s3_input_uri: `${base}input.in`,
      s3_output_uri: `${base}output.out`,
      s3_report_uri: `${base}report/`,
      updated_json_uri: `${base}workflow.json`,
      workflow_instance_id: "s3-run-1",
    });
    expect(await keysUnder("runs/s3-run-1/")).toEqual(
      ["clean.json", "input.in", "output.out", "report/.keep", "workflow.json"].map((k) => `runs/s3-run-1/${k}`),
    );
    expect(await objectText("runs/s3-run-1/input.in")).toBe("id,value\n1,10\n2,20\n");
    expect(JSON.parse(await objectText("runs/s3-run-1/clean.json"))).toEqual({ service: { "@_name": "clean", threshold: 3 } });
    expect(JSON.parse(await objectText("runs/s3-run-1/workflow.json")).tasks[0].inputParameters.dp_config).toBe(`${base}clean.json`);
    const running = engine.getWorkflow("s3-run-1");
    expect(running.status).toBe("RUNNING");
    expect(running.tasks[0]?.inputData).toMatchObject({ dp_config: `${base}clean.json`, s3_input_uri: `${base}input.in` });
  });

  it("a missing raw-data file: 400 naming it, nothing in the bucket", async () => {
    const res = await deploy({ workflow: workflow("s3_missing"), workflow_id: "s3-run-missing", trigger_conductor: true, input: { input_file: "s3://raw-data/2024/11/absent.csv" } });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(`s3://${server.buckets.rawData}/2024/11/absent.csv does not exist`);
    expect(await keysUnder("runs/s3-run-missing/")).toEqual([]);
  });

  it("invalid XML: 400 naming the field, nothing in the bucket", async () => {
    const res = await deploy({ workflow: workflow("s3_badxml", "<service><x></service>"), workflow_id: "s3-run-badxml", trigger_conductor: true, input: { input_data: "d" } });
    expect(res.status).toBe(400);
    expect(res.body.validationErrors[0].path).toBe("workflow.tasks[0].inputParameters.dp_config");
    expect(await keysUnder("runs/s3-run-badxml/")).toEqual([]);
  });
});
