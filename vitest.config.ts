import { defineConfig } from "vitest/config";

// Files that need the real Kafka broker (tests/support/kafka-global-setup.ts starts
// one for them): only the `kafka` project pays for it, and only when one of its
// files is selected.
const kafkaTests = ["tests/services/kafka-*.test.ts", "tests/services/kafka/**/*.test.ts"];
// Files that need the S3-compatible server (versitygw, tests/support/s3-global-setup.ts), likewise.
const s3Tests = ["tests/services/s3-*.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    projects: [
      // (Project include/exclude lists would be appended to root ones, so only projects set them.)
      { extends: true, test: { name: "default", include: ["tests/**/*.test.ts"], exclude: ["**/node_modules/**", ...kafkaTests, ...s3Tests] } },
      {
        extends: true,
        test: {
          name: "kafka",
          include: kafkaTests,
          globalSetup: ["tests/support/kafka-global-setup.ts"],
          // One broker serves every file, and some files restart it: run them one at a time.
          fileParallelism: false,
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: "s3",
          include: s3Tests,
          globalSetup: ["tests/support/s3-global-setup.ts"],
          // A cold first run builds versitygw with `go install` (about 2 minutes on 2 cores).
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
