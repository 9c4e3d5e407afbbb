import { servableJson } from "../domain/json-depth.ts";
import type { WorkflowState } from "../domain/workflow/state.ts";
import { failedTaskNames } from "./conductor-json.ts";

/** Conductor's `WorkflowSummary`: times as ISO-8601 UTC strings, input/output as JSON text. */
export interface WorkflowSummary {
  workflowType: string;
  version: number;
  workflowId: string;
  correlationId?: string;
  startTime: string;
  updateTime?: string;
  endTime?: string;
  status: string;
  input: string;
  output: string;
  reasonForIncompletion?: string;
  executionTime: number;
  event?: string;
  failedReferenceTaskNames: string;
  failedTaskNames: string[];
  priority: number;
  createdBy?: string;
  taskToDomain: Record<string, string>;
  idempotencyKey?: string;
  parentWorkflowId: string;
  inputSize: number;
  outputSize: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function toWorkflowSummary(workflow: WorkflowState): WorkflowSummary {
  // servableJson: a stored value too deep for JSON.stringify is shown cut short instead of failing every search.
  const input = servableJson(workflow.input);
  const output = servableJson(workflow.output);
  const failed = failedTaskNames(workflow);
  return {
    workflowType: workflow.definition.name,
    version: workflow.definition.version,
    workflowId: workflow.workflowId,
    correlationId: workflow.correlationId,
    startTime: iso(workflow.createTime),
    updateTime: workflow.updateTime > 0 ? iso(workflow.updateTime) : undefined,
    endTime: workflow.endTime > 0 ? iso(workflow.endTime) : undefined,
    status: workflow.status,
    input,
    output,
    reasonForIncompletion: workflow.reasonForIncompletion,
    executionTime: workflow.endTime > 0 ? workflow.endTime - workflow.createTime : 0,
    failedReferenceTaskNames: failed.refs.join(","),
    failedTaskNames: failed.names,
    priority: workflow.priority,
    createdBy: workflow.createdBy,
    taskToDomain: workflow.taskToDomain,
    idempotencyKey: workflow.idempotencyKey,
    parentWorkflowId: workflow.parentWorkflowId ?? "",
    inputSize: input.length,
    outputSize: output.length,
  };
}
