import { describe, expect, it } from "vitest";
import { dagRunIdFor, parseTriggerRequest } from "../../src/domain/dagrun/trigger-request.ts";
import { ValidationError } from "../../src/domain/errors.ts";

const context = { taskIdHeader: "task-7", taskScheduledTimeHeader: "1767225600000", now: 5, timeoutMs: 60_000, outputPrefix: "dagruns/{dagId}/{dagRunId}/" };

describe("DAG-run requests (the seed's airflow-trigger-requests shape)", () => {
  it("reads dag_id and the completion event type from data; the run id is the workflow task attempt's", () => {
    const value = JSON.stringify({
      workflowId: "wf-1",
      taskId: "dp_name_parse_task",
      eventType: "airflow_trigger_request",
      data: { dag_id: "nua-nameparse", dp_config: "s3://b/c.json", completion_event_type: "name_parse_completed" },
    });
    expect(parseTriggerRequest(value, context)).toEqual({
      dagRunId: "wf-1-task-7-1767225600000",
      dagId: "nua-nameparse",
      conf: {
        dp_config: "s3://b/c.json",
        workflowId: "wf-1",
        taskId: "task-7",
        dag_run_id: "wf-1-task-7-1767225600000",
        output_prefix: "dagruns/nua-nameparse/wf-1-task-7-1767225600000/",
      },
      workflowId: "wf-1",
      taskId: "task-7",
      eventType: "name_parse_completed",
      requestedAt: 5,
      timeoutMs: 60_000,
    });
  });

  it("without the headers falls back to the message's taskId, and to the seed's event-type rule", () => {
    const parsed = parseTriggerRequest(JSON.stringify({ workflowId: "wf-2", taskId: "dp_name_parse_task", dagId: "d" }), { ...context, taskIdHeader: undefined });
    expect(parsed).toMatchObject({ dagRunId: "wf-2-dp_name_parse_task", eventType: "name_parse_completed" });
    expect(parseTriggerRequest(JSON.stringify({ workflowId: "wf-2", taskId: "other", data: { dag_id: "d" } }), context).eventType).toBe("airflow_dag_completed");
  });

  it("keeps run ids within Airflow's characters", () => {
    expect(dagRunIdFor("wf 1/x", "t#1")).toBe("wf_1_x-t_1");
  });

  it.each([
    ["not json", "(message)", /not JSON/],
    [JSON.stringify({ data: { dag_id: "d" } }), "workflowId", /workflowId is required/],
    [JSON.stringify({ workflowId: "wf", data: {} }), "data.dag_id", /data\.dag_id is required/],
  ])("refuses %s naming %s", (value, path, message) => {
    let caught: unknown;
    try {
      parseTriggerRequest(value, context);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).message).toMatch(message);
    expect((caught as ValidationError).fieldErrors[0]!.path).toBe(path);
  });
});
