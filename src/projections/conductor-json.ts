import { taskDefFor, workflowTaskOf } from "../domain/workflow/definition-lookup.ts";
import type { TaskState, WorkflowState } from "../domain/workflow/state.ts";
import { isTaskTerminal } from "../domain/workflow/status.ts";

/** Conductor's `Task` JSON for one attempt (times in epoch ms; absent fields left out). */
export function toTaskJson(workflow: WorkflowState, task: TaskState): Record<string, unknown> {
  const workflowTask = workflowTaskOf(workflow, task);
  const taskDef = workflowTask ? taskDefFor(workflowTask) : undefined;
  return {
    taskType: task.taskType,
    status: task.status,
    inputData: task.inputData,
    referenceTaskName: task.referenceTaskName,
    retryCount: task.retryCount,
    seq: task.seq,
    correlationId: workflow.correlationId,
    pollCount: task.pollCount,
    taskDefName: task.taskDefName,
    scheduledTime: task.scheduledTime,
    startTime: task.startTime,
    endTime: task.endTime,
    updateTime: task.updateTime,
    startDelayInSeconds: task.startDelayInSeconds,
    retriedTaskId: task.retriedTaskId,
    retried: task.retried,
    executed: isTaskTerminal(task.status),
    callbackFromWorker: true,
    responseTimeoutSeconds: taskDef?.responseTimeoutSeconds ?? 0,
    workflowInstanceId: workflow.workflowId,
    workflowType: workflow.definition.name,
    taskId: task.taskId,
    reasonForIncompletion: task.reasonForIncompletion,
    callbackAfterSeconds: task.callbackAfterSeconds,
    workerId: task.workerId,
    outputData: task.outputData,
    workflowTask,
    domain: task.domain,
    rateLimitPerFrequency: taskDef?.rateLimitPerFrequency ?? 0,
    rateLimitFrequencyInSeconds: taskDef?.rateLimitFrequencyInSeconds ?? 0,
    workflowPriority: workflow.priority,
    iteration: 0,
    subworkflowChanged: false,
    taskDefinition: taskDef ?? null,
    queueWaitTime: task.startTime > 0 ? Math.max(0, task.startTime - task.scheduledTime) : 0,
    loopOverTask: false,
  };
}

/** Refs and names of every FAILED / FAILED_WITH_TERMINAL_ERROR attempt, as Conductor lists them. */
export function failedTaskNames(workflow: WorkflowState): { refs: string[]; names: string[] } {
  const refs = new Set<string>();
  const names = new Set<string>();
  for (const task of workflow.tasks) {
    if (task.status === "FAILED" || task.status === "FAILED_WITH_TERMINAL_ERROR") {
      refs.add(task.referenceTaskName);
      names.add(task.taskDefName);
    }
  }
  return { refs: [...refs], names: [...names] };
}

/** Conductor's `Workflow` JSON. */
export function toWorkflowJson(workflow: WorkflowState, includeTasks = true): Record<string, unknown> {
  const failed = failedTaskNames(workflow);
  return {
    ownerApp: workflow.definition.ownerApp,
    createTime: workflow.createTime,
    updateTime: workflow.updateTime,
    createdBy: workflow.createdBy,
    status: workflow.status,
    endTime: workflow.endTime,
    workflowId: workflow.workflowId,
    parentWorkflowId: workflow.parentWorkflowId,
    tasks: includeTasks ? workflow.tasks.map((task) => toTaskJson(workflow, task)) : [],
    input: workflow.input,
    output: workflow.output,
    correlationId: workflow.correlationId,
    reRunFromWorkflowId: workflow.reRunFromWorkflowId,
    reasonForIncompletion: workflow.reasonForIncompletion,
    taskToDomain: workflow.taskToDomain,
    failedReferenceTaskNames: failed.refs,
    failedTaskNames: failed.names,
    failedTaskId: workflow.failedTaskId,
    workflowDefinition: workflow.definition,
    priority: workflow.priority,
    variables: workflow.variables,
    lastRetriedTime: workflow.lastRetriedTime,
    idempotencyKey: workflow.idempotencyKey,
    startTime: workflow.createTime,
    workflowName: workflow.definition.name,
    workflowVersion: workflow.definition.version,
  };
}

/** The small object of `GET /workflow/{id}/status`. */
export function toWorkflowStatusJson(workflow: WorkflowState, includeOutput: boolean, includeVariables: boolean) {
  return {
    workflowId: workflow.workflowId,
    correlationId: workflow.correlationId,
    status: workflow.status,
    output: includeOutput ? workflow.output : undefined,
    variables: includeVariables ? workflow.variables : undefined,
  };
}
