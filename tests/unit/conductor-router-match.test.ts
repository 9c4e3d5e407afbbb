import { describe, expect, it } from "vitest";
import { type ConductorTaskView, normalizedEventName, parseReply, taskForReply } from "../../bench/conductor-router-match.ts";

// Task lists as Conductor's GET /api/workflow/{id}?includeTasks=true returns them (the fields the lookup reads).
const publish: ConductorTaskView = { taskId: "t-publish", taskType: "KAFKA_PUBLISH", status: "COMPLETED", referenceTaskName: "request_validation_ref" };
const event = (status: string, taskId = "t-event", sink = "kafka:email_validation_completed"): ConductorTaskView => ({
  taskId,
  taskType: "EVENT",
  status,
  referenceTaskName: "await_validation_ref",
  workflowTask: { sink },
});
const workflow = (tasks: ConductorTaskView[], status = "RUNNING") => ({ workflowId: "wf-1", status, tasks });
const reply = (data: Record<string, unknown> = { status: "completed", valid: true }) => ({ workflowId: "wf-1", eventType: "email_validation_completed", data });

describe("the Conductor stack's router lookup (bench/conductor-router-match.ts)", () => {
  it("completes the IN_PROGRESS EVENT whose sink names the reply's eventType, with the reply's data as output", () => {
    expect(taskForReply(workflow([publish, event("IN_PROGRESS")]), reply())).toEqual({
      kind: "complete",
      taskId: "t-event",
      status: "COMPLETED",
      outputData: { status: "completed", valid: true },
    });
  });

  it("matches the sink by its name after the scheme, in any case (conductor:, kafka:)", () => {
    expect(normalizedEventName("conductor:Email_Validation_Completed")).toBe("email_validation_completed");
    const found = taskForReply(workflow([publish, event("IN_PROGRESS", "t-c", "conductor:EMAIL_VALIDATION_COMPLETED")]), reply());
    expect(found).toMatchObject({ kind: "complete", taskId: "t-c" });
  });

  it("takes the sink from the task's input when the workflow task is not included", () => {
    const task: ConductorTaskView = { taskId: "t-in", taskType: "EVENT", status: "IN_PROGRESS", inputData: { sink: "kafka:email_validation_completed" } };
    expect(taskForReply(workflow([publish, task]), reply())).toMatchObject({ kind: "complete", taskId: "t-in" });
  });

  it("waits when the reply beats its EVENT: not scheduled yet, or SCHEDULED and not yet published", () => {
    expect(taskForReply(workflow([{ ...publish, status: "IN_PROGRESS" }]), reply())).toMatchObject({ kind: "wait" });
    expect(taskForReply(workflow([publish, event("SCHEDULED")]), reply())).toMatchObject({ kind: "wait" });
  });

  it("completes the newest attempt of a retried EVENT and passes over an EVENT for another event type", () => {
    const tasks = [publish, event("FAILED", "t-old"), event("IN_PROGRESS", "t-other", "kafka:phone_validation_completed"), event("IN_PROGRESS", "t-new")];
    expect(taskForReply(workflow(tasks), reply())).toMatchObject({ kind: "complete", taskId: "t-new" });
  });

  it("fails the EVENT on a failed reply with the service's words as the reason", () => {
    expect(taskForReply(workflow([publish, event("IN_PROGRESS")]), reply({ status: "FAILED", error_message: "MX lookup failed" }))).toMatchObject({
      kind: "complete",
      status: "FAILED",
      reasonForIncompletion: "MX lookup failed",
    });
  });

  it("leaves a repeated reply, or one for an ended workflow, unmatched and says why", () => {
    expect(taskForReply(workflow([publish, event("COMPLETED")]), reply())).toEqual({ kind: "unmatched", reason: "EVENT task t-event is already COMPLETED" });
    expect(taskForReply(workflow([publish, event("IN_PROGRESS")], "TERMINATED"), reply())).toEqual({ kind: "unmatched", reason: "workflow wf-1 is TERMINATED" });
  });

  it("rejects a reply without workflowId or eventType, naming the field", () => {
    expect(() => parseReply('{"eventType":"x"}')).toThrow("reply.workflowId: expected a non-empty string, got undefined");
    expect(() => parseReply('{"workflowId":"w","eventType":""}')).toThrow("reply.eventType: expected a non-empty string");
    expect(() => parseReply('{"workflowId":"w","eventType":"x","data":[1]}')).toThrow("reply.data: expected an object");
    expect(() => parseReply("not json")).toThrow("reply: not JSON");
    expect(parseReply('{"workflowId":"w","eventType":"x"}')).toEqual({ workflowId: "w", eventType: "x", data: {} });
  });
});
