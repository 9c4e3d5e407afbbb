import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("npm start's entry", () => {
  it("refuses a bad configuration with a message naming the variable", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "src/api/node.ts"], {
      env: { ...process.env, PORT: "eighty", DATA_DIR: "/nonexistent-should-not-be-created" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("PORT: PORT must be a whole number");
  });
});
