import { describe, expect, it } from "vitest";
import { dagRunDecider } from "../../src/domain/dagrun/decider.ts";
import type { DagRunEvent, DagRunRequestedData } from "../../src/domain/dagrun/events.ts";
import { IllegalStateError } from "../../src/domain/errors.ts";
import { dagRunProjection } from "../../src/projections/dag-runs.ts";
import { dagRunCategory, defaultStreamRegistry } from "../../src/projections/stream-categories.ts";
import { specFor } from "../support/spec-for.ts";

const spec = specFor(dagRunDecider, () => undefined);

const request: DagRunRequestedData = {
  dagRunId: "wf-1-t1",
  dagId: "name_parse",
  conf: { email: "a@b.c" },
  workflowId: "wf-1",
  taskId: "t1",
  eventType: "name_parse_completed",
  requestedAt: 1_000,
  timeoutMs: 60_000,
};
const requested: DagRunEvent = { type: "DagRunRequested", data: request };
const triggered: DagRunEvent = { type: "DagRunTriggered", data: { dagRunId: "wf-1-t1", url: "local:x", existing: false, at: 1_100 } };
const running: DagRunEvent = { type: "DagRunStateObserved", data: { state: "running", at: 2_000 } };

describe("dagrun decider", () => {
  it("records a request once; a redelivered request appends nothing", () => {
    spec.given([]).when({ type: "RequestDagRun", request }).then([requested]);
    spec.given([requested]).when({ type: "RequestDagRun", request }).thenNothing();
  });

  it("refuses anything but a request on a run that was never requested", () => {
    spec.given([]).when({ type: "ObserveState", state: "running", at: 1 }).thenThrows(IllegalStateError, /never requested/);
  });

  it("records the trigger, and a second trigger answer (a 409 after a retry) not again", () => {
    spec.given([requested]).when({ type: "RecordTrigger", url: "local:x", existing: false, at: 1_100 }).then([triggered]);
    spec.given([requested, triggered]).when({ type: "RecordTrigger", url: "local:x", existing: true, at: 1_200 }).thenNothing();
  });

  it("observes a state only when it changes", () => {
    spec.given([requested, triggered]).when({ type: "ObserveState", state: "running", at: 2_000 }).then([running]);
    spec.given([requested, triggered, running]).when({ type: "ObserveState", state: "running", at: 3_000 }).thenNothing();
  });

  it("success and failure end the run with Airflow's state recorded first", () => {
    spec.given([requested, triggered, running]).when({ type: "ObserveState", state: "success", at: 4_000 }).then([
      { type: "DagRunStateObserved", data: { state: "success", at: 4_000 } },
      { type: "DagRunSucceeded", data: { at: 4_000 } },
    ]);
    const failed = spec.given([requested, triggered, running]).when({ type: "ObserveState", state: "failed", at: 4_000 }).events();
    expect(failed.map((e) => e.type)).toEqual(["DagRunStateObserved", "DagRunFailed"]);
    expect(failed[1]!.data).toMatchObject({ reason: "DAG run 'wf-1-t1' of DAG 'name_parse' ended failed" });
  });

  it("times out only after the timeout, and not once the run ended", () => {
    spec.given([requested, triggered]).when({ type: "CheckTimeout", at: 60_999 }).thenNothing();
    const [timedOut] = spec.given([requested, triggered, running]).when({ type: "CheckTimeout", at: 61_000 }).events();
    expect(timedOut).toMatchObject({ type: "DagRunTimedOut", data: { at: 61_000 } });
    expect((timedOut!.data as { reason: string }).reason).toMatch(/did not finish within 60 s \(last state: running\)/);
    spec.given([requested, triggered, { type: "DagRunSucceeded", data: { at: 5_000 } }]).when({ type: "CheckTimeout", at: 99_000 }).thenNothing();
  });

  it("a trigger that gave up fails the run with its reason; a late poll of an ended run changes nothing", () => {
    spec.given([requested]).when({ type: "RecordRunFailure", reason: "503 three times", at: 7_000 }).then([
      { type: "DagRunFailed", data: { reason: "503 three times", at: 7_000 } },
    ]);
    const ended: DagRunEvent[] = [requested, triggered, { type: "DagRunFailed", data: { reason: "x", at: 3_000 } }];
    spec.given(ended).when({ type: "ObserveState", state: "success", at: 4_000 }).thenNothing();
  });

  it("syncs artifacts once after success, then publishes the completion once", () => {
    const succeeded: DagRunEvent = { type: "DagRunSucceeded", data: { at: 4_000 } };
    const objects = [{ source: "s3://a/k", target: "s3://b/k", size: 3, etag: "abc", kind: "output" as const }];
    const synced: DagRunEvent = { type: "DagRunArtifactsSynced", data: { objects, outputUris: ["s3://b/k"], at: 4_100 } };
    // No completion before the artifacts are copied.
    spec.given([requested, triggered, succeeded]).when({ type: "RecordCompletionPublished", topic: "conductor-events", at: 4_050 }).thenNothing();
    spec.given([requested, triggered, succeeded]).when({ type: "RecordArtifactsSynced", objects, outputUris: ["s3://b/k"], at: 4_100 }).then([synced]);
    spec.given([requested, triggered, succeeded, synced]).when({ type: "RecordArtifactsSynced", objects, outputUris: [], at: 4_200 }).thenNothing();
    const published: DagRunEvent = {
      type: "DagRunCompletionPublished",
      data: { topic: "conductor-events", eventType: "name_parse_completed", status: "success", at: 4_300 },
    };
    spec.given([requested, triggered, succeeded, synced]).when({ type: "RecordCompletionPublished", topic: "conductor-events", at: 4_300 }).then([published]);
    spec.given([requested, triggered, succeeded, synced, published]).when({ type: "RecordCompletionPublished", topic: "conductor-events", at: 4_400 }).thenNothing();
  });

  it("a failed artifact copy makes the completion a failure", () => {
    const succeeded: DagRunEvent = { type: "DagRunSucceeded", data: { at: 4_000 } };
    const syncFailed: DagRunEvent = { type: "DagRunArtifactSyncFailed", data: { reason: "etag differs", at: 4_100 } };
    const [event] = spec.given([requested, triggered, succeeded, syncFailed]).when({ type: "RecordCompletionPublished", topic: "t", at: 4_200 }).events();
    expect(event).toMatchObject({ type: "DagRunCompletionPublished", data: { status: "failed" } });
  });
});

describe("dagrun category and projection", () => {
  it("is registered with its decider and projection", () => {
    expect(defaultStreamRegistry.categoryOf("dagrun-wf-1-t1")).toEqual({ category: dagRunCategory, key: "wf-1-t1" });
    expect(dagRunCategory.decider).toBe(dagRunDecider);
    expect(dagRunCategory.projection).toBe(dagRunProjection);
  });

  it("folds each run's current state and indexes runs by workflow", () => {
    const models = dagRunProjection.create();
    for (const event of [requested, triggered, running]) dagRunProjection.apply(models, event, "wf-1-t1");
    expect(models.dagRuns.get("wf-1-t1")).toMatchObject({ id: "wf-1-t1", phase: "triggered", airflowState: "running", eventCount: 3, updatedAt: 2_000 });
    expect(models.dagRunsByWorkflow.get("wf-1")).toEqual(["wf-1-t1"]);
  });
});
