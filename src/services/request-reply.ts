/**
 * The shape every seed data service shares: consume a request topic, do the
 * work, publish one completion per request on the completion topic
 * (`conductor-events`), which the event router turns into the waiting task's
 * completion. Only the work differs from service to service.
 */
import { ValidationError } from "../domain/errors.ts";
import type { Bus, DeliveredMessage } from "../domain/ports.ts";
import type { RunningService, ServiceContext } from "./service.ts";

/** One request as a service reads it: the seed's `{workflowId, taskId?, data: {...}}` (or the fields at the top level). */
export interface ServiceRequest {
  workflowId: string;
  /** The id of the task that published the request (header `taskId`, or the value's), echoed in the completion. */
  taskId?: string;
  /** `value.data` when it is an object, else the value itself. */
  data: Record<string, unknown>;
}

/** What the work produced: a result to complete the task with, or a failure with the service's words. */
export type ServiceOutcome =
  | { status: "completed"; result: Record<string, unknown> }
  | { status: "failed"; errorMessage: string; result?: Record<string, unknown> };

/** The seed's completion event, as published on the completion topic. */
export interface CompletionEvent {
  workflowId: string;
  taskId?: string;
  eventType: string;
  data: { status: "completed" | "failed"; error_message?: string; timestamp: string } & Record<string, unknown>;
}

/** A service that answers each request with one completion. */
export interface RequestReplyService {
  name: string;
  requestTopic: string;
  /** The completion's `eventType`, which EVENT tasks name as their sink (`conductor:<eventType>`). */
  eventType: string;
  handle(request: ServiceRequest): Promise<ServiceOutcome>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Reads a delivered request. A message without a workflow id cannot be answered,
 * so it is a ValidationError (the Kafka bus dead-letters it at once).
 */
export function readRequest(message: DeliveredMessage, service: string): ServiceRequest {
  let value: unknown;
  try {
    value = JSON.parse(message.value);
  } catch {
    throw new ValidationError(`${service}: the request on ${message.topic} at offset ${message.offset} is not JSON`);
  }
  if (!isRecord(value)) throw new ValidationError(`${service}: the request on ${message.topic} at offset ${message.offset} must be a JSON object`);
  const workflowId = typeof value.workflowId === "string" && value.workflowId !== "" ? value.workflowId : message.headers?.workflowId;
  if (!workflowId) {
    throw new ValidationError(`${service}: the request on ${message.topic} at offset ${message.offset} has no workflowId (in the value or its headers), so no completion can name its workflow`);
  }
  const taskId = message.headers?.taskId ?? (typeof value.taskId === "string" ? value.taskId : undefined);
  return { workflowId, ...(taskId ? { taskId } : {}), data: isRecord(value.data) ? value.data : value };
}

/** The completion event for an outcome, stamped with `now`. */
export function completionFor(service: RequestReplyService, request: ServiceRequest, outcome: ServiceOutcome, now: number): CompletionEvent {
  const timestamp = new Date(now).toISOString();
  const data =
    outcome.status === "completed"
      ? { ...outcome.result, status: "completed" as const, timestamp }
      : { ...(outcome.result ?? {}), status: "failed" as const, error_message: outcome.errorMessage, timestamp };
  return { workflowId: request.workflowId, ...(request.taskId ? { taskId: request.taskId } : {}), eventType: service.eventType, data };
}

/**
 * Subscribes `service` to its request topic on `context.bus` in the consumer
 * group `services.<name>` (so several processes share the topic's partitions),
 * and publishes each outcome to `context.completionTopic`, keyed by workflow id.
 * A fault injected by `context.faultRate` (0..1, drawn from `context.random`) or
 * an unexpected error in the work becomes a `failed` completion, as the seed's
 * services reported them; the task then fails with that message.
 */
export async function runRequestReply(service: RequestReplyService, context: ServiceContext, faultRate = 0): Promise<RunningService> {
  const bus: Bus = context.bus;
  const handler = async (message: DeliveredMessage) => {
    const request = readRequest(message, service.name);
    let outcome: ServiceOutcome;
    if (faultRate > 0 && context.random() < faultRate) {
      outcome = { status: "failed", errorMessage: `${service.name}: simulated fault (fault rate ${faultRate})` };
    } else {
      try {
        outcome = await service.handle(request);
      } catch (error) {
        context.logger.error(`${service.name}: request failed`, { workflowId: request.workflowId, error: String(error) });
        outcome = { status: "failed", errorMessage: `${service.name}: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    const completion = completionFor(service, request, outcome, context.clock());
    await bus.publish(context.completionTopic, {
      key: request.workflowId,
      value: JSON.stringify(completion),
      headers: { workflowId: request.workflowId, ...(request.taskId ? { taskId: request.taskId } : {}), service: service.name, ...(context.instance ? { serviceInstance: context.instance } : {}) },
    });
  };
  const subscription = bus.subscribe(service.requestTopic, handler, { group: `services.${service.name}` });
  await subscription.ready;
  return { name: service.name, topics: [service.requestTopic], close: () => subscription.close() };
}
