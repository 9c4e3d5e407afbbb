/**
 * The Python SDK scenario (tests/services/python-sdk/scenario.py, conductor-python
 * 2.0.0) against a Baton with BATON_AUTH=required, the SDK given an admin key
 * the way its users give one (CONDUCTOR_AUTH_KEY / CONDUCTOR_AUTH_SECRET). Tokens
 * live 1 second (the least the setting allows), so the scenario (about 3 s) runs across expiries: the SDK must fetch a new
 * token on EXPIRED_TOKEN, in its workers' processes too.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { authPortOf } from "../../src/api/auth/auth.ts";
import { createKey } from "../../src/api/auth/routes.ts";
import { testHasher } from "../support/auth.ts";
import { startBaton, type TestBaton } from "../support/baton.ts";
import { runScenario, type ScenarioRun } from "../support/sdk-scenario.ts";

let baton: TestBaton;
let run: ScenarioRun | undefined;
let refused: ScenarioRun | undefined;

describe("the Conductor Python SDK with an API key against an auth-enabled Baton", () => {
  beforeAll(async () => {
    const { python } = inject("pythonSdk");
    baton = await startBaton({ env: { BATON_AUTH: "required", BATON_AUTH_SECRET: "p".repeat(40), BATON_TOKEN_TTL_SECONDS: "1" } });
    const key = await createKey(authPortOf(baton.engine), testHasher, { name: "python", role: "admin", taskTypes: [] }, { kind: "system", detail: "test" });
    const reader = await createKey(authPortOf(baton.engine), testHasher, { name: "python-reader", role: "reader", taskTypes: [] }, { kind: "system", detail: "test" });
    const scenario = ["tests/services/python-sdk/scenario.py"];
    run = await runScenario(python, scenario, `${baton.url}/api`, { timeoutMs: 300_000, env: { CONDUCTOR_AUTH_KEY: key.keyId, CONDUCTOR_AUTH_SECRET: key.keySecret } });
    refused = await runScenario(python, scenario, `${baton.url}/api`, { timeoutMs: 120_000, env: { CONDUCTOR_AUTH_KEY: reader.keyId, CONDUCTOR_AUTH_SECRET: reader.keySecret } });
  }, 480_000);

  afterAll(async () => {
    await baton?.close();
  });

  it("passes every check of the scenario with an admin key, across token expiries", () => {
    expect(run?.checks.size, run?.output.slice(-4000)).toBeGreaterThan(20);
    const failed = [...(run?.checks.values() ?? [])].filter((check) => !check.ok).map((check) => `${check.name}: ${check.error}`);
    expect(failed).toEqual([]);
    expect(run?.exitCode, run?.output.slice(-4000)).toBe(0);
    expect(run?.seconds).toBeGreaterThan(1); // the scenario outlived at least one token (3 s tokens outlived a fast machine's whole run)
  });

  it("is refused (403) where a reader key may not go", () => {
    const registration = refused?.checks.get("register task definitions");
    expect(registration?.ok, refused?.output.slice(-2000)).toBe(false);
    expect(registration?.error).toMatch(/403/);
  });
});
