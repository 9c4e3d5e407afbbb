/**
 * Definitions at the edge (valibot schemas with Conductor's defaults and
 * field-path errors), idempotency decisions and the metadata decider.
 */
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { parseCheckedWorkflowDef, parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { StartWorkflowRequestSchema, TaskResultSchema } from "../../src/domain/definitions/requests.ts";
import { defaultTaskDef, TaskDefSchema } from "../../src/domain/definitions/task-def.ts";
import { parseOrThrow } from "../../src/domain/definitions/validate.ts";
import { ConflictError, NotFoundError, ValidationError } from "../../src/domain/errors.ts";
import { decideIdempotentStart } from "../../src/domain/idempotency.ts";
import {
  evolveTaskDef,
  evolveWorkflowDefs,
  noWorkflowDefVersions,
  registerTaskDef,
  registerWorkflowDef,
  removeTaskDef,
  removeWorkflowDef,
  type TaskDefState,
  type WorkflowDefVersions,
} from "../../src/domain/metadata/decide.ts";
import type { MetadataEvent } from "../../src/domain/metadata/events.ts";
import { validationErrorOf } from "../support/errors.ts";


const minimalWorkflow = { name: "orders", tasks: [{ name: "fetch_order", taskReferenceName: "fetch" }] };

describe("TaskDef defaults (TaskDef.java)", () => {
  it("applies Conductor's defaults to a bare task definition", () => {
    expect(parseOrThrow(TaskDefSchema, { name: "fetch_order" }, "task definition")).toMatchObject({
      name: "fetch_order",
      retryCount: 3,
      retryDelaySeconds: 60,
      retryLogic: "FIXED",
      backoffScaleFactor: 1,
      maxRetryDelaySeconds: 0,
      responseTimeoutSeconds: 3600,
      timeoutSeconds: 0,
      timeoutPolicy: "TIME_OUT_WF",
      totalTimeoutSeconds: 0,
      inputTemplate: {},
    });
  });

  it("gives an unregistered SIMPLE task the same defaults (ad-hoc TaskDef at start)", () => {
    expect(defaultTaskDef("adhoc")).toEqual(v.parse(TaskDefSchema, { name: "adhoc" }));
  });

  it("keeps values it was given and fields it does not know", () => {
    const def = parseOrThrow(TaskDefSchema, { name: "t", retryCount: 0, retryLogic: "EXPONENTIAL_BACKOFF", custom: 1 }, "task definition");
    expect(def).toMatchObject({ retryCount: 0, retryLogic: "EXPONENTIAL_BACKOFF", custom: 1 });
  });

  it("names the field and what was expected in its errors", () => {
    const error = validationErrorOf(() =>
      parseOrThrow(TaskDefSchema, { name: "t", retryCount: -1, retryLogic: "RANDOM", responseTimeoutSeconds: 0 }, "task definition"),
    );
    expect(error.fieldErrors.map((e) => e.path).sort()).toEqual(["responseTimeoutSeconds", "retryCount", "retryLogic"]);
    expect(error.message).toMatch(/retryCount: retryCount must be >= 0/);
    expect(error.message).toMatch(/retryLogic: retryLogic must be one of FIXED, LINEAR_BACKOFF, EXPONENTIAL_BACKOFF/);
    expect(error.message).toMatch(/responseTimeoutSeconds must be >= 1/);
  });

  it("requires a name", () => {
    const error = validationErrorOf(() => parseOrThrow(TaskDefSchema, { name: "  " }, "task definition"));
    expect(error.fieldErrors[0]).toMatchObject({ path: "name", message: "name must not be empty" });
  });
});

describe("WorkflowDef defaults (WorkflowDef.java, WorkflowTask.java)", () => {
  it("applies Conductor's defaults to a minimal definition", () => {
    const def = parseWorkflowDef(minimalWorkflow);
    expect(def).toMatchObject({
      name: "orders",
      version: 1,
      schemaVersion: 2,
      restartable: true,
      timeoutPolicy: "ALERT_ONLY",
      timeoutSeconds: 0,
      inputParameters: [],
      outputParameters: {},
      inputTemplate: {},
      variables: {},
      workflowStatusListenerEnabled: false,
    });
    expect(def.tasks[0]).toMatchObject({ type: "SIMPLE", optional: false, startDelay: 0, inputParameters: {}, asyncComplete: false });
  });

  it("rejects any schemaVersion but 2", () => {
    const error = validationErrorOf(() => parseWorkflowDef({ ...minimalWorkflow, schemaVersion: 1 }));
    expect(error.fieldErrors[0]).toMatchObject({ path: "schemaVersion", message: "schemaVersion must be 2" });
  });

  it("names the path of a missing field inside a task, e.g. tasks[1].taskReferenceName", () => {
    const error = validationErrorOf(() =>
      parseWorkflowDef({ name: "orders", tasks: [{ name: "a", taskReferenceName: "a" }, { name: "b" }] }),
    );
    expect(error.fieldErrors).toEqual([
      expect.objectContaining({ path: "tasks[1].taskReferenceName", message: expect.stringMatching(/taskReferenceName is required/) }),
    ]);
    expect(error.message).toContain("tasks[1].taskReferenceName");
  });

  it("prefixes paths with the root it is given (e.g. a request's workflowDef)", () => {
    const error = validationErrorOf(() => parseWorkflowDef({ name: "orders", tasks: [{ name: "a" }] }, "workflowDef"));
    expect(error.fieldErrors[0]!.path).toBe("workflowDef.tasks[0].taskReferenceName");
  });

  it("rejects a definition without tasks (tasks non-empty)", () => {
    const error = validationErrorOf(() => parseWorkflowDef({ name: "orders", tasks: [] }));
    expect(error.fieldErrors[0]).toMatchObject({ path: "tasks", message: "tasks must contain at least one task" });
  });

  it("rejects a duplicate taskReferenceName, naming the field, the duplicate and its first use", () => {
    const error = validationErrorOf(() =>
      parseWorkflowDef({
        name: "orders",
        tasks: [
          { name: "a", taskReferenceName: "step" },
          { name: "b", taskReferenceName: "other" },
          { name: "c", taskReferenceName: "step" },
        ],
      }),
    );
    expect(error.fieldErrors).toEqual([
      { path: "tasks[2].taskReferenceName", message: expect.stringMatching(/duplicate taskReferenceName 'step'.*tasks\[0\]/), invalidValue: "step" },
    ]);
    expect(error.message).toMatch(/orders/);
  });

  it("accepts a task type it does not know, as Conductor does, and warns naming the field and the queue", () => {
    for (const type of ["LLM_CHAT_COMPLETE", "USER_DEFINED", "TELEPORT"]) {
      const { definition, warnings } = parseCheckedWorkflowDef({
        name: "orders",
        tasks: [{ name: "a", taskReferenceName: "a" }, { name: "chat", taskReferenceName: "b", type }],
      });
      expect(definition.tasks[1]!.type).toBe(type);
      expect(warnings).toEqual([{ path: "tasks[1].type", message: expect.stringContaining(`unknown task type '${type}' (b): run as a worker task polled from queue '${type}'`) }]);
    }
  });

  it("names an embedded taskDefinition without a name after its task (Conductor does not validate embedded ones)", () => {
    const def = parseWorkflowDef({
      name: "orders",
      tasks: [{ name: "charge", taskReferenceName: "c", taskDefinition: { retryCount: 5, responseTimeoutSeconds: 30 } }],
    });
    expect(def.tasks[0]!.taskDefinition).toMatchObject({ name: "charge", retryCount: 5, responseTimeoutSeconds: 30, timeoutPolicy: "TIME_OUT_WF" });
    const named = parseWorkflowDef({ name: "orders", tasks: [{ name: "charge", taskReferenceName: "c", taskDefinition: { name: "billing" } }] });
    expect(named.tasks[0]!.taskDefinition!.name).toBe("billing");
    const error = validationErrorOf(() =>
      parseWorkflowDef({ name: "orders", tasks: [{ name: "charge", taskReferenceName: "c", taskDefinition: { retryCount: -1 } }] }),
    );
    expect(error.fieldErrors[0]!.path).toBe("tasks[0].taskDefinition.retryCount");
  });

  it("accepts a FORK_JOIN without its JOIN and warns: at the end (Baton joins) and elsewhere (the workflow fails there)", () => {
    const fork = { name: "f", taskReferenceName: "f", type: "FORK_JOIN", forkTasks: [[{ name: "a", taskReferenceName: "a" }]] };
    const atEnd = parseCheckedWorkflowDef({ name: "orders", tasks: [{ name: "s", taskReferenceName: "s" }, fork] });
    expect(atEnd.warnings).toEqual([{ path: "tasks[1].type", message: expect.stringMatching(/FORK_JOIN 'f' ends the workflow without a JOIN: Baton completes/) }]);
    const inMiddle = parseCheckedWorkflowDef({ name: "orders", tasks: [fork, { name: "s", taskReferenceName: "s" }] });
    expect(inMiddle.warnings).toEqual([{ path: "tasks[0].type", message: expect.stringMatching(/FORK_JOIN 'f' is not followed by a JOIN task: the workflow fails/) }]);
    const joined = parseCheckedWorkflowDef({ name: "orders", tasks: [fork, { name: "j", taskReferenceName: "j", type: "JOIN" }] });
    expect(joined.warnings).toEqual([]);
  });

  it("reports every problem at once", () => {
    const error = validationErrorOf(() =>
      parseWorkflowDef({
        name: "orders",
        tasks: [{ name: "a", taskReferenceName: "a", type: "EVENT" }, { name: "b", taskReferenceName: "a" }],
      }),
    );
    expect(error.fieldErrors.map((e) => e.path)).toEqual(["tasks[0].sink", "tasks[1].taskReferenceName"]);
  });
});

describe("request schemas", () => {
  it("defaults a StartWorkflowRequest's input, taskToDomain and priority, and bounds priority to 0..99", () => {
    expect(v.parse(StartWorkflowRequestSchema, { name: "orders" })).toMatchObject({ input: {}, taskToDomain: {}, priority: 0 });
    const error = validationErrorOf(() => parseOrThrow(StartWorkflowRequestSchema, { name: "orders", priority: 100 }, "start request"));
    expect(error.fieldErrors[0]).toMatchObject({ path: "priority", message: "priority must be between 0 and 99" });
  });

  it("requires a TaskResult's workflowInstanceId and taskId, and takes only worker statuses", () => {
    const error = validationErrorOf(() => parseOrThrow(TaskResultSchema, { taskId: "t1", status: "SKIPPED" }, "task result"));
    expect(error.fieldErrors.map((e) => e.path).sort()).toEqual(["status", "workflowInstanceId"]);
  });
});

describe("idempotent starts (Orkes semantics)", () => {
  it("starts when no execution carries the key, whatever the strategy", () => {
    for (const strategy of ["FAIL", "RETURN_EXISTING", "FAIL_ON_RUNNING"] as const) {
      expect(decideIdempotentStart(strategy, "k", undefined)).toEqual({ kind: "start" });
    }
  });

  it("FAIL rejects a second start with the key, even when the first has finished", () => {
    expect(() => decideIdempotentStart("FAIL", "k", { workflowId: "wf-1", status: "COMPLETED" })).toThrow(ConflictError);
    expect(() => decideIdempotentStart("FAIL", "k", { workflowId: "wf-1", status: "RUNNING" })).toThrow(/wf-1/);
  });

  it("RETURN_EXISTING answers with the existing workflow's id", () => {
    expect(decideIdempotentStart("RETURN_EXISTING", "k", { workflowId: "wf-1", status: "FAILED" })).toEqual({
      kind: "return_existing",
      workflowId: "wf-1",
    });
  });

  it("FAIL_ON_RUNNING rejects only while the existing one is RUNNING or PAUSED", () => {
    expect(() => decideIdempotentStart("FAIL_ON_RUNNING", "k", { workflowId: "wf-1", status: "RUNNING" })).toThrow(ConflictError);
    expect(() => decideIdempotentStart("FAIL_ON_RUNNING", "k", { workflowId: "wf-1", status: "PAUSED" })).toThrow(ConflictError);
    for (const status of ["COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED"] as const) {
      expect(decideIdempotentStart("FAIL_ON_RUNNING", "k", { workflowId: "wf-1", status })).toEqual({ kind: "start" });
    }
  });
});

describe("metadata decider (MetadataServiceImpl)", () => {
  const v1 = parseWorkflowDef(minimalWorkflow);
  const foldDefs = (events: MetadataEvent[]): WorkflowDefVersions => events.reduce(evolveWorkflowDefs, noWorkflowDefVersions());
  const foldTaskDef = (events: MetadataEvent[]): TaskDefState => events.reduce(evolveTaskDef, { revision: -1 });

  it("registers a new version, stamping createTime", () => {
    expect(registerWorkflowDef(noWorkflowDefVersions(), v1, false, 1000)).toEqual([
      { type: "WorkflowDefRegistered", data: { definition: { ...v1, createTime: 1000 }, time: 1000 } },
    ]);
  });

  it("refuses an existing version without overwrite (409 Workflow with name.version already exists!)", () => {
    const existing = foldDefs(registerWorkflowDef(noWorkflowDefVersions(), v1, false, 1000));
    expect(() => registerWorkflowDef(existing, v1, false, 2000)).toThrow(ConflictError);
    expect(() => registerWorkflowDef(existing, v1, false, 2000)).toThrow("Workflow with orders.1 already exists!");
  });

  it("replaces an existing version with overwrite, keeping its createTime", () => {
    const existing = foldDefs(registerWorkflowDef(noWorkflowDefVersions(), v1, false, 1000));
    const changed = { ...v1, description: "v1, revised" };
    const events = registerWorkflowDef(existing, changed, true, 2000);
    expect(events).toEqual([
      { type: "WorkflowDefRegistered", data: { definition: { ...changed, createTime: 1000, updateTime: 2000 }, time: 2000 } },
    ]);
    expect(foldDefs([...registerWorkflowDef(noWorkflowDefVersions(), v1, false, 1000), ...events]).versions.get(1)?.description).toBe(
      "v1, revised",
    );
  });

  it("keeps other versions apart", () => {
    const state = foldDefs(registerWorkflowDef(noWorkflowDefVersions(), v1, false, 1000));
    expect(() => registerWorkflowDef(state, { ...v1, version: 2 }, false, 2000)).not.toThrow();
  });

  it("removes a version, and answers not found for an unknown one", () => {
    const state = foldDefs(registerWorkflowDef(noWorkflowDefVersions(), v1, false, 1000));
    const removed = removeWorkflowDef(state, "orders", 1, 2000);
    expect(removed).toEqual([{ type: "WorkflowDefRemoved", data: { name: "orders", version: 1, time: 2000 } }]);
    expect(foldDefs([...registerWorkflowDef(noWorkflowDefVersions(), v1, false, 1000), ...removed]).versions.size).toBe(0);
    expect(() => removeWorkflowDef(state, "orders", 7, 2000)).toThrow(NotFoundError);
  });

  it("overwrites a task definition silently on POST, keeping createTime; PUT needs it to exist", () => {
    const taskDef = v.parse(TaskDefSchema, { name: "fetch_order" });
    const first = registerTaskDef(foldTaskDef([]), taskDef, false, 1000);
    expect(first).toEqual([{ type: "TaskDefRegistered", data: { definition: { ...taskDef, createTime: 1000 }, time: 1000 } }]);
    const again = registerTaskDef(foldTaskDef(first), { ...taskDef, retryCount: 1 }, false, 2000);
    expect(again[0]).toMatchObject({ data: { definition: { retryCount: 1, createTime: 1000, updateTime: 2000 } } });
    expect(() => registerTaskDef(foldTaskDef([]), taskDef, true, 1000)).toThrow(NotFoundError);
    expect(() => registerTaskDef(foldTaskDef([]), taskDef, true, 1000)).toThrow("No such task by name fetch_order");
  });

  it("removes a task definition, and answers not found for an unknown one", () => {
    const taskDef = v.parse(TaskDefSchema, { name: "fetch_order" });
    const state = foldTaskDef(registerTaskDef(foldTaskDef([]), taskDef, false, 1000));
    expect(removeTaskDef(state, "fetch_order", 2000)).toEqual([{ type: "TaskDefRemoved", data: { name: "fetch_order", time: 2000 } }]);
    expect(() => removeTaskDef(foldTaskDef([]), "nope", 2000)).toThrow("No such taskType found by name: nope");
  });
});
