/**
 * CompleteTaskFromMessage on the workflow decider, as given/when/then: an
 * inbound message (the router's completion event, an event handler's
 * complete_task / fail_task) ends its task once; a repeat of that message
 * changes nothing; a message after the task or its workflow ended is refused
 * as too late, saying whether it repeats an answer.
 */
import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../../src/domain/errors.ts";
import { type CompleteTaskFromMessage, LateCompletionError } from "../../src/domain/workflow/complete-from-message.ts";
import { foldWorkflow } from "../../src/domain/workflow/evolve.ts";
import type { WorkflowEvent } from "../../src/domain/workflow/events.ts";
import {
  at,
  canceled,
  completed,
  given,
  polled,
  scheduled,
  simpleTask,
  started,
  systemTask,
  taskIn,
  workflowDef,
  WORKFLOW_ID,
} from "../support/decider-spec.ts";

const MESSAGE = "conductor-events/0/7";

/** The command the router sends for a completion event of message `messageId`. */
function fromMessage(
  taskId: string,
  messageId = MESSAGE,
  fields: Partial<Omit<CompleteTaskFromMessage, "type" | "taskId" | "messageId">> = {},
): CompleteTaskFromMessage {
  return { type: "CompleteTaskFromMessage", taskId, messageId, status: "COMPLETED", outputData: { valid: true }, workerId: "baton:router", ...fields };
}

// The seed's sink flow: the EVENT task waits for the service's reply, then a worker files the result.
const awaitReply = systemTask("EVENT", "await_reply", { sink: "conductor:email_validation_completed", asyncComplete: true });
const fileResult = simpleTask("file_result", {}, { retryCount: 0 });
const flow = workflowDef([awaitReply, fileResult], { name: "email_validation" });

/** Started; the EVENT task published and waiting for its reply. */
const waiting: WorkflowEvent[] = [started(flow), scheduled(awaitReply, { taskId: "t1", seq: 1 }), polled("t1", at(0), "baton:system")];

/** The reply of MESSAGE applied: the EVENT task completed by it, the worker task scheduled. */
const answered: WorkflowEvent[] = [
  ...waiting,
  { type: "TaskCompleted", data: { taskId: "t1", workerId: "baton:router", outputData: { valid: true }, time: at(1), messageId: MESSAGE } },
  scheduled(fileResult, { taskId: "t2", seq: 2, time: at(1) }),
];

/** The error a decision throws (fails the spec when it throws none). */
function refusal(decide: () => unknown): LateCompletionError {
  try {
    decide();
  } catch (error) {
    expect(error).toBeInstanceOf(LateCompletionError);
    return error as LateCompletionError;
  }
  throw new Error("the decider should have refused the message as too late");
}

describe("CompleteTaskFromMessage: a message ends its waiting task", () => {
  it("completes the task with the message's output, remembers the message, and the workflow moves on", () => {
    const state = given(waiting)
      .when(fromMessage("t1"), at(1))
      .then([
        { type: "TaskCompleted", data: { taskId: "t1", workerId: "baton:router", outputData: { valid: true }, time: at(1), messageId: MESSAGE } },
        scheduled(fileResult, { taskId: "id-1", seq: 2, time: at(1) }),
      ]);
    expect(taskIn(state, "t1")).toMatchObject({ status: "COMPLETED", workerId: "baton:router", outputData: { valid: true }, endedByMessageId: MESSAGE });
  });

  it("fails the task with the message's reason, and the workflow fails with it", () => {
    const events = given(waiting)
      .when(fromMessage("t1", MESSAGE, { status: "FAILED", outputData: { status: "failed" }, reason: "mailbox does not exist" }), at(1))
      .events();
    expect(events[0]).toEqual({
      type: "TaskFailed",
      data: { taskId: "t1", workerId: "baton:router", outputData: { status: "failed" }, reason: "mailbox does not exist", terminal: false, time: at(1), messageId: MESSAGE },
    });
    expect(events.at(-1)).toMatchObject({ type: "WorkflowFailed", data: { reason: expect.stringContaining("mailbox does not exist") } });
  });

  it("ends a task a worker has not polled yet (an event handler's complete_task, as in Conductor)", () => {
    given(answered)
      .when(fromMessage("t2", "orders:0:3", { workerId: undefined, outputData: { filed: true } }), at(2))
      .then([
        { type: "TaskCompleted", data: { taskId: "t2", workerId: undefined, outputData: { filed: true }, time: at(2), messageId: "orders:0:3" } },
        { type: "WorkflowCompleted", data: { output: { filed: true }, time: at(2) } },
      ]);
  });

  it("folds to the same state on replay: the message id is in the event, not only in the decision", () => {
    const decision = given(waiting).when(fromMessage("t1"), at(1));
    const replayed = foldWorkflow([...waiting, ...decision.events()]);
    expect(replayed).toEqual(decision.state());
    expect(taskIn(replayed, "t1").endedByMessageId).toBe(MESSAGE);
  });
});

describe("CompleteTaskFromMessage: duplicates change nothing", () => {
  it("ignores the same message delivered again (a Kafka redelivery after a crash before the commit)", () => {
    given(answered).when(fromMessage("t1"), at(5)).thenNothing();
  });

  it("ignores it also once the workflow has ended: the duplicate rule comes before the late one", () => {
    const ended = [...answered, polled("t2", at(2)), completed("t2", {}, at(3)), { type: "WorkflowCompleted", data: { output: {}, time: at(3) } } as WorkflowEvent];
    expect(foldWorkflow(ended).status).toBe("COMPLETED");
    given(ended).when(fromMessage("t1", MESSAGE, { status: "FAILED", reason: "different text, same message" }), at(5)).thenNothing();
  });

  it("does not let the message end its task a second time after a rerun reset the task", () => {
    const failedAndRerun: WorkflowEvent[] = [
      ...waiting,
      { type: "TaskFailed", data: { taskId: "t1", outputData: {}, reason: "no", terminal: false, time: at(1), messageId: MESSAGE } },
      { type: "WorkflowFailed", data: { reason: "no", failedTaskId: "t1", output: {}, time: at(1) } },
      { type: "WorkflowRerun", data: { time: at(2), fromTaskId: "t1" } },
    ];
    expect(taskIn(foldWorkflow(failedAndRerun), "t1").status).toBe("SCHEDULED");
    given(failedAndRerun).when(fromMessage("t1"), at(3)).thenNothing();
    expect(given(failedAndRerun).when(fromMessage("t1", "conductor-events/0/8"), at(3)).events()[0]).toMatchObject({
      type: "TaskCompleted",
      data: { taskId: "t1", messageId: "conductor-events/0/8" },
    });
  });
});

describe("CompleteTaskFromMessage: too late", () => {
  it("refuses another message for a task that already ended with a result, as a conflict that repeats an answer", () => {
    const error = refusal(() => given(answered).when(fromMessage("t1", "conductor-events/0/8"), at(5)).events());
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(`task t1 of workflow ${WORKFLOW_ID} is already COMPLETED`);
    expect(error).toMatchObject({ taskStatus: "COMPLETED", workflowStatus: "RUNNING", answered: true });
  });

  it("refuses a message for a task a worker (not a message) completed", () => {
    const byWorker = [...waiting, completed("t1", { valid: false }, at(1), "baton:system"), scheduled(fileResult, { taskId: "t2", seq: 2, time: at(1) })];
    given(byWorker).when(fromMessage("t1"), at(2)).thenThrows(LateCompletionError, /is already COMPLETED/);
  });

  it("refuses a message for a task that was canceled, as one nothing will take", () => {
    const terminated: WorkflowEvent[] = [
      ...waiting,
      canceled("t1", "stop", at(1)),
      { type: "WorkflowTerminated", data: { reason: "stop", output: {}, time: at(1) } },
    ];
    const error = refusal(() => given(terminated).when(fromMessage("t1"), at(2)).events());
    expect(error.message).toBe(`task t1 of workflow ${WORKFLOW_ID} is already CANCELED`);
    expect(error).toMatchObject({ taskStatus: "CANCELED", workflowStatus: "TERMINATED", answered: false });
  });

  it("refuses a message for a task still open in a workflow that ended", () => {
    const ended: WorkflowEvent[] = [...waiting, { type: "WorkflowTerminated", data: { reason: "stop", output: {}, time: at(1) } }];
    const error = refusal(() => given(ended).when(fromMessage("t1"), at(2)).events());
    expect(error.message).toBe(`workflow ${WORKFLOW_ID} is TERMINATED, so task t1 will not wait again`);
    expect(error.answered).toBe(false);
  });

  it("says NotFound for a task the workflow does not have, and for a workflow that was never started", () => {
    given(waiting).when(fromMessage("t9"), at(1)).thenThrows(NotFoundError, /Task t9 not found in workflow wf-1/);
    given([]).when(fromMessage("t1"), at(1)).thenThrows(NotFoundError);
  });
});
