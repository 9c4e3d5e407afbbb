import { ValidationError } from "../domain/errors.ts";
import { servableJson } from "../domain/json-depth.ts";
import type { TaskState, WorkflowState } from "../domain/workflow/state.ts";
import { MAX_SEARCH_SIZE, type SearchFields, type SearchRequest, type SearchResult, sortComparator } from "./search.ts";
import { matches, parseQuery } from "./search-query.ts";

/** A task attempt with the workflow it belongs to. */
export interface TaskHit {
  workflow: WorkflowState;
  task: TaskState;
}

/** Conductor's `TaskSummary`: times as ISO-8601 UTC strings, input/output as JSON text. */
export interface TaskSummary {
  workflowId: string;
  workflowType: string;
  correlationId?: string;
  scheduledTime?: string;
  startTime?: string;
  updateTime?: string;
  endTime?: string;
  status: string;
  reasonForIncompletion?: string;
  executionTime: number;
  queueWaitTime: number;
  taskDefName: string;
  taskType: string;
  input: string;
  output: string;
  taskId: string;
  workflowPriority: number;
  domain?: string;
}

const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : undefined);

/** The fields a task query can name (Conductor's task index), times as epoch ms. */
function taskFields({ workflow, task }: TaskHit): SearchFields {
  return {
    taskId: task.taskId,
    taskType: task.taskType,
    taskDefName: task.taskDefName,
    referenceTaskName: task.referenceTaskName,
    status: task.status,
    workflowId: workflow.workflowId,
    workflowType: workflow.definition.name,
    correlationId: workflow.correlationId,
    scheduledTime: task.scheduledTime,
    startTime: task.startTime > 0 ? task.startTime : undefined,
    updateTime: task.updateTime,
    endTime: task.endTime > 0 ? task.endTime : undefined,
    workerId: task.workerId,
    domain: task.domain,
    reasonForIncompletion: task.reasonForIncompletion,
    workflowPriority: workflow.priority,
  };
}

function matchesFreeText({ workflow, task }: TaskHit, freeText: string | undefined): boolean {
  if (freeText === undefined || freeText.trim() === "" || freeText.trim() === "*") return true;
  const needle = freeText.trim().toLowerCase();
  return [task.taskId, task.taskDefName, task.referenceTaskName, workflow.workflowId, servableJson(task.inputData), servableJson(task.outputData)]
    .some((text) => text.toLowerCase().includes(needle));
}

const comparator = (sort: string | undefined) => sortComparator<TaskHit>(sort, "scheduledTime", taskFields, (hit) => hit.task.taskId);

/**
 * Conductor's task search without an index: every attempt of the workflows
 * given, filtered by the query (task fields: taskType, status, taskDefName,
 * workflowType, ...) and free text, sorted and paged.
 */
export function searchTasks(workflows: Iterable<WorkflowState>, request: SearchRequest): SearchResult<TaskHit> {
  const size = request.size ?? 100;
  const start = request.start ?? 0;
  if (size > MAX_SEARCH_SIZE) {
    throw new ValidationError(`size: cannot return more than ${MAX_SEARCH_SIZE} tasks; use start to page`, [
      { path: "size", message: `must be <= ${MAX_SEARCH_SIZE}`, invalidValue: size },
    ]);
  }
  const condition = parseQuery(request.query, request.queryLimits);
  const hits: TaskHit[] = [];
  for (const workflow of workflows) {
    for (const task of workflow.tasks) {
      const hit = { workflow, task };
      if (matches(condition, taskFields(hit)) && matchesFreeText(hit, request.freeText)) hits.push(hit);
    }
  }
  hits.sort(comparator(request.sort));
  return { totalHits: hits.length, results: hits.slice(start, start + size) };
}

/** The workflows that have at least one task matching the request's query and free text. */
export function workflowsWithMatchingTasks(workflows: Iterable<WorkflowState>, request: Pick<SearchRequest, "query" | "freeText" | "queryLimits">): WorkflowState[] {
  const condition = parseQuery(request.query, request.queryLimits);
  const found: WorkflowState[] = [];
  for (const workflow of workflows) {
    if (workflow.tasks.some((task) => matches(condition, taskFields({ workflow, task })) && matchesFreeText({ workflow, task }, request.freeText))) {
      found.push(workflow);
    }
  }
  return found;
}

export function toTaskSummary({ workflow, task }: TaskHit): TaskSummary {
  return {
    workflowId: workflow.workflowId,
    workflowType: workflow.definition.name,
    correlationId: workflow.correlationId,
    scheduledTime: iso(task.scheduledTime),
    startTime: iso(task.startTime),
    updateTime: iso(task.updateTime),
    endTime: iso(task.endTime),
    status: task.status,
    reasonForIncompletion: task.reasonForIncompletion,
    executionTime: task.endTime > 0 && task.startTime > 0 ? task.endTime - task.startTime : 0,
    queueWaitTime: task.startTime > 0 ? Math.max(0, task.startTime - task.scheduledTime) : 0,
    taskDefName: task.taskDefName,
    taskType: task.taskType,
    input: servableJson(task.inputData),
    output: servableJson(task.outputData),
    taskId: task.taskId,
    workflowPriority: workflow.priority,
    domain: task.domain,
  };
}
