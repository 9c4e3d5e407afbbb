/**
 * vitest globalSetup of the `s3` project: one versitygw gateway for all its
 * files, with the buckets they use (`baton-test`, `raw-data`), started before
 * the first and stopped after the last (also when tests fail; a watchdog in
 * s3.sh stops it if vitest itself dies). Test files read it with
 * `inject("s3")`, which is null when BATON_SKIP_SERVICES names s3. Without Go
 * the run fails with what to install.
 */
import type { TestProject } from "vitest/node";
import { createBuckets, s3Skipped, startS3 } from "./s3.ts";

export const S3_TEST_BUCKETS = { objects: "baton-test", rawData: "raw-data" } as const;

declare module "vitest" {
  export interface ProvidedContext {
    s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; dir: string; buckets: typeof S3_TEST_BUCKETS } | null;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (s3Skipped()) {
    console.warn("BATON_SKIP_SERVICES names s3: the S3 tests are skipped");
    project.provide("s3", null);
    return undefined;
  }
  const started = Date.now();
  const server = await startS3();
  try {
    await createBuckets(server, Object.values(S3_TEST_BUCKETS));
  } catch (error) {
    await server.stop();
    throw error;
  }
  console.log(`s3: versitygw at ${server.endpoint} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${server.dir})`);
  const { endpoint, accessKeyId, secretAccessKey, dir } = server;
  project.provide("s3", { endpoint, accessKeyId, secretAccessKey, dir, buckets: S3_TEST_BUCKETS });
  return () => server.stop();
}
