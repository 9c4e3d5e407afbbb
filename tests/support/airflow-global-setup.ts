/**
 * vitest globalSetup of the `airflow` project (Airflow 3; the `airflow2` project's
 * tests/support/airflow2-global-setup.ts calls `setupAirflow` for Airflow 2): one versitygw gateway (with the
 * bucket the DAGs read and write, and Baton's buckets) and one Airflow
 * standalone whose test DAGs use it, started before the first file and stopped
 * after the last, also when tests fail (watchdogs in s3.sh and airflow.sh stop
 * them if vitest itself dies). Test files read both with `inject("airflow")`.
 * A cold first run pip-installs Airflow into the cache; without a suitable
 * Python or Go the run fails saying what to install.
 */
import type { TestProject } from "vitest/node";
import { type AirflowEndpoint, type AirflowMajor, startAirflow } from "./airflow.ts";
import { createBuckets, startS3 } from "./s3.ts";

/** `dags`: where DAGs read input and write output and stats (Airflow's S3); `baton-test`, `raw-data`: Baton's object store and MinIO raw data. */
export const AIRFLOW_TEST_BUCKETS = { dags: "airflow-data", objects: "baton-test", rawData: "raw-data" } as const;

declare module "vitest" {
  export interface ProvidedContext {
    airflow: AirflowEndpoint & {
      s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; dir: string; buckets: typeof AIRFLOW_TEST_BUCKETS };
      startSeconds: number;
    };
  }
}

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupAirflow(project, 3);
}

/** S3 with the test buckets and an Airflow of `major` on it, provided as `airflow`; resolves to their teardown. */
export async function setupAirflow(project: TestProject, major: AirflowMajor): Promise<() => Promise<void>> {
  const s3 = await startS3();
  try {
    await createBuckets(s3, Object.values(AIRFLOW_TEST_BUCKETS));
    const s3Ready = Date.now();
    const airflow = await startAirflow(s3, { bucket: AIRFLOW_TEST_BUCKETS.dags, major });
    const startSeconds = (Date.now() - s3Ready) / 1000;
    console.log(`airflow: Airflow ${airflow.version} at ${airflow.url} ready in ${startSeconds.toFixed(1)} s, S3 at ${s3.endpoint} (${airflow.dir})`);
    const { url, version, username, password, dir } = airflow;
    project.provide("airflow", {
      url, major, version, username, password, dir, startSeconds,
      s3: { endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, dir: s3.dir, buckets: AIRFLOW_TEST_BUCKETS },
    });
    return async () => {
      const stopping = Date.now();
      try {
        await airflow.stop();
      } finally {
        await s3.stop();
      }
      console.log(`airflow: Airflow and S3 stopped in ${((Date.now() - stopping) / 1000).toFixed(1)} s`);
    };
  } catch (error) {
    await s3.stop();
    throw error;
  }
}
