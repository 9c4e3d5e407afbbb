import { defineConfig } from "vitest/config";

// Files that need the real Kafka broker (tests/support/kafka-global-setup.ts starts
// one for them): only the `kafka` project pays for it, and only when one of its
// files is selected.
const kafkaTests = ["tests/services/kafka-*.test.ts", "tests/services/kafka/**/*.test.ts"];
// Files that need the S3-compatible server (versitygw, tests/support/s3-global-setup.ts), likewise.
const s3Tests = ["tests/services/s3-*.test.ts"];

// BATON_SKIP_SERVICES (comma/space separated: kafka, s3, all) leaves a service's
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
    pool: "forks",
    projects: [
      // (Project include/exclude lists would be appended to root ones, so only projects set them.)
      { extends: true, test: { name: "default", include: ["tests/**/*.test.ts"], exclude: ["**/node_modules/**", ...kafkaTests, ...s3Tests] } },
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
    ],
  },
});
