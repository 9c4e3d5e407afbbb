/**
 * The lookup of the Conductor stack's router (bench/conductor-router.ts), built
 * the way the seed's router worked: a service's reply on `conductor-events`,
 * `{workflowId, eventType, data: {status, ...}}`, names its workflow; the router
 * reads that workflow from Conductor and completes the EVENT task whose sink
 * names the reply's `eventType` (`POST /api/tasks`). Pure, so the rules are
 * tested on given task lists (tests/unit/conductor-router-match.test.ts).
 */

/** The fields of a Conductor task (GET /api/workflow/{id}) the lookup reads. */
export interface ConductorTaskView {
  taskId: string;
  taskType: string;
  status: string;
  referenceTaskName?: string;
  inputData?: Record<string, unknown>;
  workflowTask?: { sink?: string };
}

export interface ConductorWorkflowView {
  workflowId: string;
  status: string;
  tasks?: ConductorTaskView[];
}

export interface Reply {
  workflowId: string;
  eventType: string;
  data: Record<string, unknown>;
}

export type Lookup =
  | { kind: "complete"; taskId: string; status: "COMPLETED" | "FAILED"; outputData: Record<string, unknown>; reasonForIncompletion?: string }
  /** The EVENT task does not wait yet (the reply beat it): look again shortly. */
  | { kind: "wait"; reason: string }
  /** Nothing will ever take this reply. */
  | { kind: "unmatched"; reason: string };

/** The name a sink or event type stands for: the part after its last `:`, lower case. */
export function normalizedEventName(name: string): string {
  return name.slice(name.lastIndexOf(":") + 1).toLowerCase();
}

/** A reply from its JSON text; throws naming the field that is missing or wrong. */
export function parseReply(text: string): Reply {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`reply: not JSON: ${text.slice(0, 80)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("reply: expected a JSON object");
  const reply = value as Record<string, unknown>;
  for (const field of ["workflowId", "eventType"] as const) {
    if (typeof reply[field] !== "string" || reply[field] === "") throw new Error(`reply.${field}: expected a non-empty string, got ${JSON.stringify(reply[field])}`);
  }
  const data = reply.data ?? {};
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new Error(`reply.data: expected an object, got ${JSON.stringify(reply.data)}`);
  return { workflowId: reply.workflowId as string, eventType: reply.eventType as string, data: data as Record<string, unknown> };
}

const FAILED_STATUSES = new Set(["failed", "error"]);
const WORKFLOW_OPEN = new Set(["RUNNING", "PAUSED"]);

/** Which task a reply completes in `workflow`, whether to look again, or why it is unmatched. */
export function taskForReply(workflow: ConductorWorkflowView, reply: Reply): Lookup {
  if (!WORKFLOW_OPEN.has(workflow.status)) return { kind: "unmatched", reason: `workflow ${workflow.workflowId} is ${workflow.status}` };
  const wanted = normalizedEventName(reply.eventType);
  const sinkOf = (task: ConductorTaskView) => task.workflowTask?.sink ?? (typeof task.inputData?.sink === "string" ? task.inputData.sink : undefined);
  // The newest attempt first: a retried EVENT leaves its earlier attempts in the list.
  const events = (workflow.tasks ?? []).filter((task) => task.taskType === "EVENT" && normalizedEventName(sinkOf(task) ?? "") === wanted).reverse();
  const waiting = events.find((task) => task.status === "IN_PROGRESS");
  if (waiting) {
    const failed = FAILED_STATUSES.has(String(reply.data.status ?? "").toLowerCase());
    if (!failed) return { kind: "complete", taskId: waiting.taskId, status: "COMPLETED", outputData: reply.data };
    const reason = ["error_message", "errorMessage", "message"].map((key) => reply.data[key]).find((v) => typeof v === "string" && v.trim() !== "");
    return { kind: "complete", taskId: waiting.taskId, status: "FAILED", outputData: reply.data, reasonForIncompletion: (reason as string | undefined) ?? `${reply.eventType}: ${String(reply.data.status)}` };
  }
  const newest = events[0];
  if (newest === undefined) return { kind: "wait", reason: `no EVENT task for '${wanted}' in workflow ${workflow.workflowId} yet` };
  if (newest.status === "SCHEDULED") return { kind: "wait", reason: `EVENT task ${newest.taskId} is SCHEDULED, not yet published` };
  return { kind: "unmatched", reason: `EVENT task ${newest.taskId} is already ${newest.status}` };
}
