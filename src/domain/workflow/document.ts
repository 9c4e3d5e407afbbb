import type { ExpressionDocument } from "../expressions.ts";
import { latestAttempts, type TaskState, type WorkflowState } from "./state.ts";

/**
 * The document `${...}` expressions are evaluated against: `workflow` plus one
 * entry per task reference (its latest attempt), as Conductor exposes them.
 */
export function expressionDocument(state: WorkflowState, currentTaskId?: string): ExpressionDocument {
  const document: ExpressionDocument = {
    workflow: {
      workflowId: state.workflowId,
      workflowType: state.definition.name,
      version: state.definition.version,
      schemaVersion: state.definition.schemaVersion,
      status: state.status,
      input: state.input,
      output: state.output,
      variables: state.variables,
      correlationId: state.correlationId ?? null,
      priority: state.priority,
      taskToDomain: state.taskToDomain,
      parentWorkflowId: state.parentWorkflowId ?? null,
      createTime: state.createTime,
      startTime: state.startTime,
      createdBy: state.createdBy ?? null,
    },
  };
  for (const task of latestAttempts(state)) {
    const entry = taskDocument(task);
    document[task.referenceTaskName] = entry;
    // Inside a loop, the bare ref means the latest iteration (tasks come in schedule order).
    if (task.definitionRef) document[task.definitionRef] = entry;
  }
  if (currentTaskId !== undefined) document.CPEWF_TASK_ID = currentTaskId;
  return document;
}

function taskDocument(task: TaskState): Record<string, unknown> {
  return {
    taskId: task.taskId,
    referenceTaskName: task.referenceTaskName,
    taskType: task.taskType,
    status: task.status,
    input: task.inputData,
    output: task.outputData,
    retryCount: task.retryCount,
    iteration: task.iteration,
    pollCount: task.pollCount,
    scheduledTime: task.scheduledTime,
    startTime: task.startTime,
    endTime: task.endTime,
    workerId: task.workerId ?? null,
    reasonForIncompletion: task.reasonForIncompletion ?? null,
    domain: task.domain ?? null,
  };
}
