/**
 * Baton driven through the official Conductor Java client and SDK
 * (org.conductoross:conductor-client and java-sdk, pinned in
 * tests/services/java-sdk/pom.xml), exactly as a user would: DSL workflows via
 * ConductorWorkflow, annotated workers, WorkflowClient, TaskClient and
 * MetadataClient (tests/services/java-sdk/src/main/java/baton/sdk/Scenario.java).
 * Each of its checks is one test here, so a failure names the check and the
 * client's error (HTTP status and Baton's message).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startBaton, type TestBaton } from "../support/baton.ts";
import { checkFailure, runScenario, type ScenarioRun } from "../support/sdk-scenario.ts";

/** Every check the scenario must report, in its order. */
const CHECKS = [
  "register task definitions",
  "update a task definition",
  "register DSL workflows with overwrite",
  "get a workflow definition",
  "list the latest versions of workflow definitions",
  "annotated workers complete an executed DSL workflow",
  "execute a registered workflow by name",
  "look up workflows by correlation id",
  "search workflows",
  "search workflows (v2)",
  "search tasks",
  "running workflows by name",
  "pause and resume",
  "update a task by id, with logs",
  "skip a task",
  "terminate",
  "terminate in bulk",
  "restart",
  "restart with the latest definitions",
  "retry a failed workflow",
  "rerun from a task with new input",
  "run the decider and reset callbacks",
  "queue size and poll data",
  "requeue pending tasks",
  "test a workflow with mocked task outputs",
  "remove a workflow",
  "unregister a workflow definition",
] as const;

let baton: TestBaton;
let run: ScenarioRun | undefined;

describe("the Conductor Java SDK against Baton", () => {
  beforeAll(async () => {
    const { java, classpath } = inject("javaSdk");
    baton = await startBaton();
    run = await runScenario(java, ["-Xmx256m", "-cp", classpath, "baton.sdk.Scenario"], `${baton.url}/api`, { timeoutMs: 300_000 });
    console.log(`java-sdk scenario: ${run.checks.size} checks in ${run.seconds.toFixed(1)} s (exit ${run.exitCode})`);
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
