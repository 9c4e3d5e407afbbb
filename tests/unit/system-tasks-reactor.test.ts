/**
 * System tasks with side effects (HTTP, KAFKA_PUBLISH, EVENT, SUB_WORKFLOW,
 * START_WORKFLOW), against Conductor OSS (notes: /tmp/notes/system-tasks.md §5,
 * §6, §10). The pure decider only schedules them; the engine's reactors claim
 * them like a system worker and report back through commands: `UpdateTask`
 * (done or failed), `RecordTaskOutput` (started something, still running) and
 * `ConcludeTask` (a status a worker cannot send, such as a child's TIMED_OUT or
 * CANCELED). These specs drive the decider with those commands exactly as the
 * reactors send them. Each case names the Conductor behaviour it checks and its
 * source file.
 */
import { describe, expect, it } from "vitest";
import type { WorkflowTask } from "../../src/domain/definitions/workflow-def.ts";
import type { WorkflowCommand } from "../../src/domain/workflow/commands.ts";
import { NotFoundError } from "../../src/domain/errors.ts";
import { isPollable } from "../../src/domain/workflow/state.ts";
import {
  at,
  conclude,
  given,
  poll,
  recordOutput,
  scenario,
  type Scenario,
  scheduled,
  simpleTask,
  started,
  startWorkflow,
  systemTask,
  taskResult,
  workflowDef,
} from "../support/decider-spec.ts";

/** The worker id the engine's reactors claim and report system tasks with. */
const SYSTEM_WORKER = "baton:system";

const run = (tasks: WorkflowTask[], input: Record<string, unknown> = {}): Scenario => scenario(workflowDef(tasks), input);

/** The reactor claims the latest attempt of `ref` (ExecutionService.poll, as Conductor's SystemTaskWorker does). */
const claim = (s: Scenario, ref: string) => s.run(poll(s.task(ref).taskId, SYSTEM_WORKER));

/** The reactor reports an outcome as a TaskResult (UpdateTask). */
const report = (s: Scenario, ref: string, status: "COMPLETED" | "FAILED" | "FAILED_WITH_TERMINAL_ERROR", outputData: Record<string, unknown> = {}, reason?: string) =>
  s.run(taskResult(s.task(ref).taskId, status, { workerId: SYSTEM_WORKER, outputData, reasonForIncompletion: reason }));

const http = systemTask("HTTP", "call", {
  inputParameters: { http_request: { uri: "http://stock/${workflow.input.sku}", method: "GET" } },
});
const kafka = systemTask("KAFKA_PUBLISH", "publish", {
  inputParameters: { kafka_request: { topic: "orders", value: { id: "${workflow.input.sku}" }, bootStrapServers: "localhost:9092" } },
});
const event = systemTask("EVENT", "notify", { sink: "conductor:order_events", inputParameters: { sku: "${workflow.input.sku}" } });
const child = systemTask("SUB_WORKFLOW", "child", {
  subWorkflowParam: { name: "pick_items", version: 1 },
  inputParameters: { sku: "${workflow.input.sku}" },
});
const launch = systemTask("START_WORKFLOW", "launch", {
  inputParameters: { startWorkflow: { name: "audit", input: { sku: "${workflow.input.sku}" } } },
});

describe("scheduling", () => {
  it.each([
    { task: http, inputData: { http_request: { uri: "http://stock/A-1", method: "GET" } }, cite: "HTTP is async, run by a system worker off its queue; HttpTask.java" },
    { task: kafka, inputData: { kafka_request: { topic: "orders", value: { id: "A-1" }, bootStrapServers: "localhost:9092" } }, cite: "KAFKA_PUBLISH is async; KafkaPublishTask.java" },
    { task: event, inputData: { sku: "A-1" }, cite: "EVENT publishes (sync in Conductor, a side effect here); tasks/Event.java" },
    { task: child, inputData: { sku: "A-1" }, cite: "SUB_WORKFLOW is created SCHEDULED; mapper/SubWorkflowTaskMapper.java" },
    { task: launch, inputData: { startWorkflow: { name: "audit", input: { sku: "A-1" } } }, cite: "START_WORKFLOW is async; tasks/StartWorkflow.java" },
  ])("schedules $task.type SCHEDULED with its inputs resolved, for a reactor to claim; the decider does not run it ($cite)", ({ task, inputData }) => {
    const def = workflowDef([task, simpleTask("after")]);
    const state = given([])
      .when(startWorkflow(def, { sku: "A-1" }))
      .then([started(def, { sku: "A-1" }), scheduled(task, { taskId: "id-1", seq: 1, inputData })]);
    expect(state.tasks[0]).toMatchObject({ status: "SCHEDULED", taskType: task.type, taskDefName: task.name });
    expect(isPollable(state.tasks[0]!, state.createTime)).toBe(true);
  });

  it("is claimed by the system worker like any queued task: IN_PROGRESS, with a start time and the worker id (Conductor: SystemTaskWorker polls the type's queue; ExecutionService.poll)", () => {
    const s = run([http]);
    claim(s.at(1), "call");
    expect(s.task("call")).toMatchObject({ status: "IN_PROGRESS", workerId: SYSTEM_WORKER, startTime: at(1), pollCount: 1 });
  });
});

describe("concluding with UpdateTask", () => {
  it.each([
    {
      task: http,
      ref: "call",
      output: { response: { statusCode: 200, reasonPhrase: "OK", headers: { "content-type": ["application/json"] }, body: { inStock: 3 } } },
      read: "${call.output.response.body.inStock}",
      value: 3,
      cite: "HTTP 2xx: COMPLETED with output response {body, headers, statusCode, reasonPhrase}; HttpTask.java",
    },
    {
      task: kafka,
      ref: "publish",
      output: {},
      read: "${publish.status}",
      value: "COMPLETED",
      cite: "KAFKA_PUBLISH completes after the send, writing no output; KafkaPublishTask.java",
    },
    {
      task: event,
      ref: "notify",
      output: { sku: "A-1", workflowInstanceId: "wf-1", event_produced: "conductor:orders:order_events" },
      read: "${notify.output.event_produced}",
      value: "conductor:orders:order_events",
      cite: "EVENT completes after publishing, output = input + workflow fields + event_produced; tasks/Event.java",
    },
    {
      task: launch,
      ref: "launch",
      output: { workflowId: "wf-audit-1" },
      read: "${launch.output.workflowId}",
      value: "wf-audit-1",
      cite: "START_WORKFLOW completes at once with output {workflowId} (fire and forget); tasks/StartWorkflow.java",
    },
  ])("$task.type: a COMPLETED result ends the task with that output and the next task runs, reading it ($cite)", ({ task, ref, output, read, value }) => {
    const next = simpleTask("after", { inputParameters: { read } });
    const s = run([task, next], { sku: "A-1" });
    claim(s, ref);
    report(s.at(2), ref, "COMPLETED", output);
    expect(s.task(ref)).toMatchObject({ status: "COMPLETED", outputData: output, endTime: at(2) });
    expect(s.task("after").inputData).toEqual({ read: value });
  });

  it("HTTP non-2xx: the reactor reports FAILED with the body as reason; without a TaskDef there is no retry and the workflow fails with that reason (Conductor: non-2xx -> FAILED; HttpTask.java, DeciderService.retry)", () => {
    const s = run([http, simpleTask("after")], { sku: "A-1" });
    claim(s, "call");
    report(s, "call", "FAILED", { response: { statusCode: 503, body: "busy" } }, "HTTP 503: busy");
    expect(s.task("call")).toMatchObject({ status: "FAILED", reasonForIncompletion: "HTTP 503: busy" });
    expect(s.state.status).toBe("FAILED");
    expect(s.state.reasonForIncompletion).toBe(`Task ${s.task("call").taskId} failed with status: FAILED and reason: 'HTTP 503: busy'`);
    expect(s.find("after")).toBeUndefined();
  });

  it("HTTP with a TaskDef that allows retries: a failure schedules a new attempt after the delay (Conductor: other tasks retry when a TaskDef is found; DeciderService.retry)", () => {
    const retried = { ...http, taskDefinition: simpleTask("call", {}, { retryCount: 1, retryDelaySeconds: 5 }).taskDefinition! };
    const s = run([retried], { sku: "A-1" });
    const first = s.task("call").taskId;
    claim(s, "call");
    report(s, "call", "FAILED", {}, "HTTP 500: oops");
    expect(s.task("call")).toMatchObject({ status: "SCHEDULED", retryCount: 1, retriedTaskId: first, startDelayInSeconds: 5 });
    expect(s.task("call").inputData).toEqual({ http_request: { uri: "http://stock/A-1", method: "GET" } });
  });

  it("an asyncComplete task records what it did with RecordTaskOutput and stays IN_PROGRESS until an external update completes it (Conductor: asyncComplete keeps HTTP/EVENT IN_PROGRESS; HttpTask.java, tasks/Event.java)", () => {
    const asyncHttp = { ...http, asyncComplete: true };
    const s = run([asyncHttp, simpleTask("after", { inputParameters: { answer: "${call.output.answer}" } })], { sku: "A-1" });
    claim(s, "call");
    const recorded = s.run(recordOutput(s.task("call").taskId, { response: { statusCode: 202 } }));
    expect(recorded).toEqual([{ type: "TaskOutputUpdated", data: { taskId: s.task("call").taskId, outputData: { response: { statusCode: 202 } }, time: s.state.updateTime } }]);
    expect(s.task("call")).toMatchObject({ status: "IN_PROGRESS", outputData: { response: { statusCode: 202 } } });
    expect(s.find("after")).toBeUndefined();
    s.run(taskResult(s.task("call").taskId, "COMPLETED", { outputData: { answer: 42 } }));
    expect(s.task("call").status).toBe("COMPLETED");
    expect(s.task("after").inputData).toEqual({ answer: 42 });
  });
});

describe("SUB_WORKFLOW concluded by the child's end", () => {
  /** Parent with a running child (claimed, subWorkflowId recorded), then `after`. */
  function parentWithChild(taskDef?: Parameters<typeof simpleTask>[2], fields: Partial<WorkflowTask> = {}) {
    const sub = { ...child, ...fields, ...(taskDef ? { taskDefinition: simpleTask("child", {}, taskDef).taskDefinition! } : {}) };
    const s = run([sub, simpleTask("after", { inputParameters: { picked: "${child.output.picked}" } })], { sku: "A-1" });
    claim(s, "child");
    s.run(recordOutput(s.task("child").taskId, { subWorkflowId: "child-1" }));
    return s;
  }

  it("records the child's id with RecordTaskOutput and stays IN_PROGRESS (Conductor: after start, output subWorkflowId and status mapped from RUNNING; tasks/SubWorkflow.java)", () => {
    const s = parentWithChild();
    expect(s.task("child")).toMatchObject({ status: "IN_PROGRESS", outputData: { subWorkflowId: "child-1" } });
    expect(s.state.status).toBe("RUNNING");
  });

  it.each([
    {
      childStatus: "COMPLETED",
      conclude: "COMPLETED" as const,
      taskStatus: "COMPLETED",
      workflowStatus: "RUNNING",
      cite: "child COMPLETED -> task COMPLETED, the child's output merged next to subWorkflowId",
    },
    {
      childStatus: "FAILED",
      conclude: "FAILED" as const,
      taskStatus: "FAILED",
      workflowStatus: "FAILED",
      cite: "child FAILED -> task FAILED; without retries the parent fails",
    },
    {
      childStatus: "TERMINATED",
      conclude: "CANCELED" as const,
      taskStatus: "CANCELED",
      workflowStatus: "TERMINATED",
      cite: "child TERMINATED -> task CANCELED, not retriable, so the parent is TERMINATED",
    },
    {
      childStatus: "TIMED_OUT",
      conclude: "TIMED_OUT" as const,
      taskStatus: "TIMED_OUT",
      workflowStatus: "TIMED_OUT",
      cite: "child TIMED_OUT -> task TIMED_OUT, and the parent TIMED_OUT",
    },
  ])("child $childStatus: ConcludeTask $conclude ends the task $taskStatus and the parent is $workflowStatus (Conductor: $cite; tasks/SubWorkflow.java, DeciderService.retry)", ({ conclude: status, taskStatus, workflowStatus }) => {
    const s = parentWithChild();
    s.at(9).run(conclude(s.task("child").taskId, status, { picked: 2, subWorkflowId: "child-1" }, `Sub-workflow child-1 ended ${status}`));
    expect(s.task("child")).toMatchObject({ status: taskStatus, endTime: at(9) });
    expect(s.state.status).toBe(workflowStatus);
    if (status === "COMPLETED") {
      expect(s.task("child").outputData).toEqual({ subWorkflowId: "child-1", picked: 2 });
      expect(s.task("after").inputData).toEqual({ picked: 2 });
    } else {
      expect(s.task("child").reasonForIncompletion).toBe(`Sub-workflow child-1 ended ${status}`);
      expect(s.state.reasonForIncompletion).toContain(`Sub-workflow child-1 ended ${status}`);
      expect(s.find("after")).toBeUndefined();
    }
  });

  it.each([
    { status: "FAILED" as const, retried: true },
    { status: "TIMED_OUT" as const, retried: true },
    { status: "CANCELED" as const, retried: false },
  ])("with a TaskDef allowing retries, a child ending $status retried=$retried: a retry is a new task id and retryCount+1, hence a new child (Conductor: FAILED/TIMED_OUT retried, CANCELED not retriable; tasks/SubWorkflow.java)", ({ status, retried }) => {
    const s = parentWithChild({ retryCount: 2, retryDelaySeconds: 0 });
    const first = s.task("child").taskId;
    s.run(conclude(first, status, {}, "child ended"));
    if (retried) {
      expect(s.task("child")).toMatchObject({ status: "SCHEDULED", retryCount: 1, retriedTaskId: first, outputData: {} });
      expect(s.task("child").taskId).not.toBe(first);
      expect(s.state.status).toBe("RUNNING");
    } else {
      expect(s.task("child").taskId).toBe(first);
      expect(s.state.status).toBe("TERMINATED");
    }
  });

  it("an optional SUB_WORKFLOW whose child was terminated ends COMPLETED_WITH_ERRORS and the parent goes on (Conductor: optional failures rewritten; DeciderService.java)", () => {
    const s = parentWithChild(undefined, { optional: true });
    s.run(conclude(s.task("child").taskId, "CANCELED", {}, "terminated by an operator"));
    expect(s.task("child").status).toBe("COMPLETED_WITH_ERRORS");
    expect(s.task("after").status).toBe("SCHEDULED");
  });

  it("ignores ConcludeTask and RecordTaskOutput for a task that already ended, so replays and duplicate reports change nothing (Conductor: updates to terminal tasks are ignored; WorkflowExecutorOps.updateTask)", () => {
    const s = parentWithChild();
    const taskId = s.task("child").taskId;
    s.run(conclude(taskId, "COMPLETED", { picked: 1 }));
    const before = s.history.length;
    expect(s.run(conclude(taskId, "FAILED", {}, "late"))).toEqual([]);
    expect(s.run(recordOutput(taskId, { subWorkflowId: "other" }))).toEqual([]);
    expect(s.run(taskResult(taskId, "FAILED", { reasonForIncompletion: "late" }))).toEqual([]);
    expect(s.history).toHaveLength(before);
    expect(s.task("child")).toMatchObject({ status: "COMPLETED", outputData: { subWorkflowId: "child-1", picked: 1 } });
  });

  it("refuses a ConcludeTask for a task the workflow does not have", () => {
    const s = parentWithChild();
    expect(() => s.run(conclude("nope", "COMPLETED"))).toThrow(NotFoundError);
  });

  it("terminating the parent cancels its SUB_WORKFLOW task and keeps the child's id on it, for the reactor to terminate the child (Conductor: cancel() terminates the child; tasks/SubWorkflow.java)", () => {
    const s = parentWithChild();
    s.run({ type: "TerminateWorkflow", reason: "customer cancelled" });
    expect(s.task("child")).toMatchObject({ status: "CANCELED", outputData: { subWorkflowId: "child-1" } });
    expect(s.state).toMatchObject({ status: "TERMINATED", reasonForIncompletion: "customer cancelled" });
  });
});

describe("a publish reported with its start (ReportSystemTask: the claim comes with the outcome)", () => {
  /** The reactor published `ref` at `startedAt` and reports the start and the outcome together. */
  const reportRun = (s: Scenario, ref: string, startedAt: number, report: Extract<WorkflowCommand, { type: "ReportSystemTask" }>["report"]) =>
    s.run({ type: "ReportSystemTask", taskId: s.task(ref).taskId, workerId: SYSTEM_WORKER, startedAt, report });
  const completion = (s: Scenario, ref: string): Extract<WorkflowCommand, { type: "ReportSystemTask" }>["report"] =>
    taskResult(s.task(ref).taskId, "COMPLETED", { workerId: SYSTEM_WORKER }) as Extract<WorkflowCommand, { type: "UpdateTask" }>;

  it("starts a SCHEDULED KAFKA_PUBLISH at the time the reactor began and completes it, in one decision", () => {
    const s = run([kafka, simpleTask("after")], { sku: "A-1" });
    const taskId = s.task("publish").taskId;
    const events = reportRun(s.at(2), "publish", at(1), completion(s, "publish"));
    expect(events.map((e) => e.type)).toEqual(["TaskStarted", "TaskCompleted", "TaskScheduled"]);
    expect(events[0]).toEqual({ type: "TaskStarted", data: { taskId, workerId: SYSTEM_WORKER, time: at(1) } });
    expect(s.task("publish")).toMatchObject({ status: "COMPLETED", workerId: SYSTEM_WORKER, startTime: at(1), endTime: at(2), pollCount: 1 });
    expect(s.task("after").status).toBe("SCHEDULED");
  });

  it("starts a SCHEDULED EVENT and records what it published; the task keeps waiting for its reply", () => {
    const waiting = systemTask("EVENT", "notify", { sink: "conductor:order_events", asyncComplete: true });
    const s = run([waiting, simpleTask("after")]);
    const events = reportRun(s.at(1), "notify", at(1), { type: "RecordTaskOutput", taskId: s.task("notify").taskId, outputData: { sink: "conductor:order_events" } });
    expect(events.map((e) => e.type)).toEqual(["TaskStarted", "TaskOutputUpdated"]);
    expect(s.task("notify")).toMatchObject({ status: "IN_PROGRESS", workerId: SYSTEM_WORKER, outputData: { sink: "conductor:order_events" } });
    expect(s.find("after")).toBeUndefined();
  });

  it("changes nothing for a task that ended meanwhile (the workflow was terminated while the message went out)", () => {
    const s = run([kafka, simpleTask("after")]);
    s.run({ type: "TerminateWorkflow", reason: "customer cancelled" });
    const before = s.history.length;
    expect(reportRun(s.at(1), "publish", at(1), completion(s, "publish"))).toEqual([]);
    expect(s.history).toHaveLength(before);
    expect(s.task("publish").status).toBe("CANCELED");
  });

  it("changes nothing for a task another worker claimed meanwhile", () => {
    const s = run([kafka, simpleTask("after")]);
    s.run(poll(s.task("publish").taskId, "someone-else"));
    expect(reportRun(s.at(1), "publish", at(1), completion(s, "publish"))).toEqual([]);
    expect(s.task("publish")).toMatchObject({ status: "IN_PROGRESS", workerId: "someone-else" });
  });

  it("does not start a task not visible yet at the reported start (a retry delay)", () => {
    const s = run([kafka, simpleTask("after")]);
    const visibleAt = s.task("publish").visibleAt;
    expect(reportRun(s.at(0), "publish", visibleAt - 1, completion(s, "publish"))).toEqual([]);
    expect(s.task("publish").status).toBe("SCHEDULED");
  });

  it("reports only the outcome for a task this worker had claimed already (a run recovered after a restart)", () => {
    const s = run([kafka, simpleTask("after")]);
    claim(s.at(1), "publish");
    const events = reportRun(s.at(2), "publish", at(2), completion(s, "publish"));
    expect(events.map((e) => e.type)).toEqual(["TaskCompleted", "TaskScheduled"]);
    expect(s.task("publish")).toMatchObject({ status: "COMPLETED", startTime: at(1), pollCount: 1 });
  });
});
