/**
 * Baton driven through the official Conductor Python SDK (conductor-python
 * 2.0.0, pinned in tests/services/python-sdk/requirements.txt), exactly as a user would: the
 * scenario in tests/services/python-sdk/scenario.py registers definitions,
 * runs workers under the SDK's TaskHandler and makes every lifecycle call.
 * Each of its checks is one test here, so a failure names the check and the
 * SDK's error (HTTP status and Baton's answer).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startBaton, type TestBaton } from "../support/baton.ts";
import { checkFailure, runScenario, type ScenarioRun } from "../support/sdk-scenario.ts";

/** Every check the scenario must report, in its order. */
const CHECKS = [
  "register task definitions",
  "update a task definition",
  "register workflows with overwrite=True",
  "list workflow definitions",
  "workers under TaskHandler complete a started workflow",
  "execute a workflow synchronously",
  "execute a registered workflow by name",
  "workflow status summary with output and variables",
  "start workflows with a correlation id",
  "look up workflows by correlation ids",
  "search workflows",
  "pause and resume",
  "update a task by reference name",
  "update a task synchronously",
  "update a task by id, with logs",
  "skip a task",
  "terminate",
  "restart",
  "restart with the latest definitions",
  "retry a failed workflow",
  "rerun from a task with new input",
  "queue size and poll data",
  "test a workflow with mocked task outputs",
  "remove a workflow",
  "delete a workflow without archiving",
  "unregister a workflow definition",
] as const;

let baton: TestBaton;
let run: ScenarioRun | undefined;

describe("the Conductor Python SDK against Baton", () => {
  beforeAll(async () => {
    const { python } = inject("pythonSdk");
    baton = await startBaton();
    run = await runScenario(python, ["tests/services/python-sdk/scenario.py"], `${baton.url}/api`, { timeoutMs: 300_000 });
    console.log(`python-sdk scenario: ${run.checks.size} checks in ${run.seconds.toFixed(1)} s (exit ${run.exitCode})`);
  }, 360_000);

  afterAll(async () => {
    await baton?.close();
  });

  it("reports exactly the expected checks", () => {
    expect([...(run?.checks.keys() ?? [])], run?.output.slice(-4000)).toEqual([...CHECKS]);
    expect(run?.exitCode, run?.output.slice(-4000)).toBe(0);
  });

  it.each(CHECKS)("%s", (name) => {
    expect(checkFailure(run, name)).toBeUndefined();
  });
});
