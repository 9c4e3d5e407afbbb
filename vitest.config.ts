import { defineConfig } from "vitest/config";

// Files that need the real Kafka broker (tests/support/kafka-global-setup.ts starts
// one for them): only the `kafka` project pays for it, and only when one of its
// files is selected.
const kafkaTests = ["tests/services/kafka-*.test.ts", "tests/services/kafka/**/*.test.ts"];
// Files that need the S3-compatible server (versitygw, tests/support/s3-global-setup.ts), likewise.
const s3Tests = ["tests/services/s3-*.test.ts"];
// Files that drive Baton through the official Python and Java SDKs (a cached venv,
// a Maven-built scenario): each SDK's project provisions its client once.
const pythonSdkTests = ["tests/services/python-sdk.test.ts", "tests/services/python-sdk-auth.test.ts"];
const javaSdkTests = ["tests/services/java-sdk.test.ts"];
// Files that need a real Airflow (tests/support/airflow-global-setup.ts starts one, and its S3).
const airflowTests = ["tests/services/airflow-*.test.ts"];
// Files that need a real Airflow 2 (tests/support/airflow2-global-setup.ts). vitest starts every selected
// project's global setup before the first test, so `npm test` runs this project in a second `vitest run`:
// the two Airflows never run at once.
const airflow2Tests = ["tests/services/airflow2-*.test.ts"];
// The bounded schemathesis run against /api-docs (a cached venv with the pinned fuzzer).
const schemathesisTests = ["tests/services/openapi-schemathesis.test.ts"];

// BATON_SKIP_SERVICES (comma/space separated: kafka, s3, python-sdk, java-sdk, airflow, airflow2, schemathesis, all) leaves a service's
// project out entirely, so its tests are not run rather than reported skipped.
// CI never sets it; without the tools, the project's global setup fails the run.
const skipped = (process.env.BATON_SKIP_SERVICES ?? "").toLowerCase().split(/[\s,]+/);
const runs = (name: string) => {
  const skip = skipped.includes(name) || skipped.includes("all");
  if (skip) console.warn(`BATON_SKIP_SERVICES names ${name}: its tests are not run`);
  return !skip;
};

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll gives up after 1 s by default: too short for a browser or a server
    // on a loaded 2-core CI machine. A poll ends as soon as it matches, so a longer
    // limit only slows down real failures.
    expect: { poll: { timeout: 15_000 } },
    pool: "forks",
    projects: [
      // (Project include/exclude lists would be appended to root ones, so only projects set them.)
      { extends: true, test: { name: "default", include: ["tests/**/*.test.ts"], exclude: ["**/node_modules/**", ...kafkaTests, ...s3Tests, ...pythonSdkTests, ...javaSdkTests, ...airflowTests, ...airflow2Tests, ...schemathesisTests] } },
      ...(runs("kafka") ? [{
        extends: true as const,
        test: {
          name: "kafka",
          include: kafkaTests,
          globalSetup: ["tests/support/kafka-global-setup.ts"],
          // One broker serves every file, and some files restart it: run them one at a time.
          fileParallelism: false,
          testTimeout: 120_000,
        },
      }] : []),
      ...(runs("s3") ? [{
        extends: true as const,
        test: {
          name: "s3",
          include: s3Tests,
          globalSetup: ["tests/support/s3-global-setup.ts"],
          // A cold first run builds versitygw with `go install` (about 2 minutes on 2 cores).
          hookTimeout: 600_000,
        },
      }] : []),
      ...(runs("python-sdk") ? [{
        extends: true as const,
        test: {
          name: "python-sdk",
          include: pythonSdkTests,
          globalSetup: ["tests/support/python-sdk-global-setup.ts"],
          // A cold first run creates the venv and pip-installs the SDK.
          hookTimeout: 900_000,
        },
      }] : []),
      ...(runs("java-sdk") ? [{
        extends: true as const,
        test: {
          name: "java-sdk",
          include: javaSdkTests,
          globalSetup: ["tests/support/java-sdk-global-setup.ts"],
          // A cold first run resolves the SDK and Maven's plugins into ~/.m2.
          hookTimeout: 900_000,
        },
      }] : []),
      ...(runs("schemathesis") ? [{
        extends: true as const,
        test: {
          name: "schemathesis",
          include: schemathesisTests,
          globalSetup: ["tests/support/schemathesis-global-setup.ts"],
          // A cold first run creates the venv and pip-installs schemathesis (about 20 s).
          hookTimeout: 600_000,
        },
      }] : []),
      ...(runs("airflow") ? [{
        extends: true as const,
        test: {
          name: "airflow",
          include: airflowTests,
          globalSetup: ["tests/support/airflow-global-setup.ts"],
          // A cold first run pip-installs Airflow (minutes) and builds versitygw.
          hookTimeout: 1_500_000,
          // One Airflow serves every file; DAG runs take seconds each.
          fileParallelism: false,
          testTimeout: 300_000,
        },
      }] : []),
      {
        extends: true as const,
        test: {
          name: "airflow2",
          // Always defined (npm test's second run selects it by name); skipped, it has no files.
          include: runs("airflow2") ? airflow2Tests : [],
          globalSetup: ["tests/support/airflow2-global-setup.ts"],
          // A cold first run pip-installs Airflow 2 (about a minute with the pins) and builds versitygw.
          hookTimeout: 1_500_000,
          fileParallelism: false,
          testTimeout: 300_000,
        },
      },
    ],
  },
});
