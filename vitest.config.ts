import { defineConfig } from "vitest/config";

// Files that need the real Kafka broker (tests/support/kafka-global-setup.ts starts
// one for them): only the `kafka` project pays for it, and only when one of its
// files is selected.
const kafkaTests = ["tests/services/kafka-*.test.ts", "tests/services/kafka/**/*.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    projects: [
      // (Project include/exclude lists would be appended to root ones, so only projects set them.)
      { extends: true, test: { name: "default", include: ["tests/**/*.test.ts"], exclude: ["**/node_modules/**", ...kafkaTests] } },
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
    ],
  },
});
