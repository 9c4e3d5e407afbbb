import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import { ValidationError } from "../../src/domain/errors.ts";

describe("configuration from the environment", () => {
  it("applies the embedded defaults", () => {
    expect(loadConfig({})).toEqual({
      PORT: 8080,
      HOST: "0.0.0.0",
      BATON_EVENT_STORE: "file",
      DATA_DIR: "./data",
      BATON_FSYNC: true,
      BATON_SWEEP_INTERVAL_MS: 250,
    });
    expect(loadConfig({ PORT: "9090", BATON_EVENT_STORE: "memory", BATON_FSYNC: "false" })).toMatchObject({
      PORT: 9090,
      BATON_EVENT_STORE: "memory",
      BATON_FSYNC: false,
    });
  });

  it.each([
    [{ PORT: "eighty" }, /PORT must be a whole number/],
    [{ PORT: "70000" }, /PORT must be <= 65535/],
    [{ BATON_EVENT_STORE: "postgres" }, /BATON_EVENT_STORE must be one of file, memory/],
    [{ BATON_FSYNC: "sometimes" }, /BATON_FSYNC must be true or false/],
  ])("rejects %o naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ValidationError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
