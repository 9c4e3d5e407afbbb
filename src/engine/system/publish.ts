import type { Bus } from "../../domain/ports.ts";
import { type EventSinkPolicy, eventWaitsForReply } from "../../domain/tasks/event.ts";
import type { WorkflowState } from "../../domain/workflow/state.ts";
import type { SystemTaskExecutor } from "./outcome.ts";
import { outgoingTraceparent } from "./trace.ts";

/**
 * Headers every outgoing message carries so receivers can deduplicate and
 * trace. A rerun keeps a task's id but schedules it anew, so the id and its
 * `taskScheduledTime` together name one attempt (the DAG-run bridge derives
 * its `dag_run_id` from them). A workflow started in a W3C trace adds
 * `traceparent`, so the consumer's work joins that trace.
 */
function traceHeaders(workflow: WorkflowState, taskId: string, scheduledTime?: number): Record<string, string> {
  const traceparent = outgoingTraceparent(workflow);
  return {
    workflowId: workflow.workflowId,
    taskId,
    ...(workflow.correlationId ? { correlationId: workflow.correlationId } : {}),
    ...(scheduledTime ? { taskScheduledTime: String(scheduledTime) } : {}),
    ...(traceparent ? { traceparent } : {}),
  };
}

/**
 * KAFKA_PUBLISH: `kafka_request {topic, value, key, headers}`; the value is
 * sent as JSON. Output is empty, as in Conductor. (`bootStrapServers` picks a
 * cluster once the Kafka adapter is configured; the in-process bus ignores it.)
 */
export function createKafkaPublishExecutor(bus: Bus): SystemTaskExecutor {
  return async (task, workflow) => {
    const request = task.inputData.kafka_request as Record<string, unknown> | undefined;
    const topic = request?.topic;
    if (!request || typeof topic !== "string" || topic === "") {
      return { kind: "fail", reason: "KAFKA_PUBLISH: kafka_request.topic is required", outputData: {}, terminal: true };
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries((request.headers ?? {}) as Record<string, unknown>)) headers[name] = String(value);
    await bus.publish(topic, {
      key: request.key === undefined || request.key === null ? undefined : String(request.key),
      value: JSON.stringify(request.value ?? null),
      headers: { ...headers, ...traceHeaders(workflow, task.taskId, task.scheduledTime) },
    });
    return { kind: "complete", outputData: {} };
  };
}

/**
 * The bus topic of an EVENT sink: `conductor` alone is the workflow's own queue
 * (`conductor:<workflowName>:<taskRef>`); `conductor:<name>` and `kafka:<topic>`
 * name the queue; anything else is used as given.
 */
export function sinkTopic(sink: string, workflowName: string, taskRef: string): string {
  return sink === "conductor" ? `conductor:${workflowName}:${taskRef}` : sink;
}

/**
 * EVENT: publishes the task input plus where it came from to the sink. Completes
 * after publishing, or waits for an external update with `asyncComplete` (or a
 * `conductor:<name>` sink when `policy.conductorSinksWait`).
 */
export function createEventExecutor(bus: Bus, policy: EventSinkPolicy = {}): SystemTaskExecutor {
  return async (task, workflow, wt) => {
    const sink = wt.sink ?? "";
    const topic = sinkTopic(sink, workflow.definition.name, wt.taskReferenceName);
    const waits = eventWaitsForReply(wt, policy);
    const payload = {
      ...task.inputData,
      workflowInstanceId: workflow.workflowId,
      workflowType: workflow.definition.name,
      workflowVersion: workflow.definition.version,
      correlationId: workflow.correlationId ?? null,
      sink,
      asyncComplete: waits,
      event_produced: topic,
    };
    await bus.publish(topic, {
      key: workflow.workflowId,
      value: JSON.stringify(payload),
      headers: traceHeaders(workflow, task.taskId),
    });
    return waits ? { kind: "wait", outputData: payload } : { kind: "complete", outputData: payload };
  };
}
