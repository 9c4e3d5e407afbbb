import type { StartWorkflowRequest } from "../../domain/definitions/requests.ts";
import { StartWorkflowRequestSchema } from "../../domain/definitions/requests.ts";
import { parseOrThrow } from "../../domain/definitions/validate.ts";
import type { EventSource } from "../../domain/ports.ts";
import { LIMIT_SETTINGS } from "../../domain/workflow/limits.ts";
import { deterministicId } from "../deterministic-id.ts";
import type { WorkflowState } from "../../domain/workflow/state.ts";
import type { SystemTaskExecutor } from "./outcome.ts";
import { outgoingTraceparent } from "./trace.ts";

export interface WorkflowStarter {
  startWorkflow(
    request: StartWorkflowRequest,
    source: EventSource,
    options: { workflowId: string; parentWorkflowId?: string; parentWorkflowTaskId?: string; depth?: number },
  ): Promise<string>;
  exists(workflowId: string): boolean | Promise<boolean>;
}

/** A child workflow continues its parent's W3C trace (a span of its own inside it). */
const source = (detail: string, parent: WorkflowState): EventSource => {
  const traceparent = outgoingTraceparent(parent);
  return { kind: "system", detail, ...(traceparent ? { traceparent } : {}) };
};

/**
 * SUB_WORKFLOW: starts the child named by `subWorkflowParam` (by name/version or
 * an inline `workflowDefinition`) with the task's input. The child's id comes
 * from the parent, the task and its attempt, so running this again starts
 * nothing new. The task waits until the child ends (see the engine's reactor).
 * The child sits one level deeper than its parent; a start deeper than
 * `maxDepth` (a workflow that starts itself, say) fails the task for good.
 */
export function createSubWorkflowExecutor(starter: WorkflowStarter, maxDepth: number): SystemTaskExecutor {
  return async (task, workflow, wt) => {
    const params = wt.subWorkflowParam ?? {};
    // (State read from a checkpoint older than depth has none: it counts as a root.)
    const depth = (workflow.depth ?? 0) + 1;
    if (depth > maxDepth) {
      const name = params.name ?? (params.workflowDefinition as { name?: string } | undefined)?.name;
      const reason =
        `SUB_WORKFLOW ${task.referenceTaskName}: starting ${name} would nest sub-workflows ${depth} levels deep, ` +
        `more than the ${maxDepth} allowed (${LIMIT_SETTINGS.maxSubWorkflowDepth}=${maxDepth})`;
      return { kind: "fail", reason, outputData: {}, terminal: true };
    }
    const childId = await deterministicId(`${workflow.workflowId}/${task.taskId}/${task.retryCount}`);
    if (!(await starter.exists(childId))) {
      const request = parseOrThrow(
        StartWorkflowRequestSchema,
        {
          name: params.name ?? (params.workflowDefinition as { name?: string } | undefined)?.name,
          version: params.version ?? undefined,
          workflowDef: params.workflowDefinition ?? undefined,
          input: task.inputData,
          correlationId: workflow.correlationId,
          taskToDomain: params.taskToDomain ?? workflow.taskToDomain,
          priority: workflow.priority,
        },
        "subWorkflowParam",
      );
      await starter.startWorkflow(request, source(`SUB_WORKFLOW ${task.taskId} of ${workflow.workflowId}`, workflow), {
        workflowId: childId,
        parentWorkflowId: workflow.workflowId,
        parentWorkflowTaskId: task.taskId,
        depth,
      });
    }
    return { kind: "wait", outputData: { subWorkflowId: childId } };
  };
}

/** START_WORKFLOW: starts `startWorkflow {name, version, input, correlationId}` and completes with its id. */
export function createStartWorkflowExecutor(starter: WorkflowStarter): SystemTaskExecutor {
  return async (task, workflow) => {
    const childId = await deterministicId(`${workflow.workflowId}/${task.taskId}/start`);
    if (!(await starter.exists(childId))) {
      const request = parseOrThrow(StartWorkflowRequestSchema, task.inputData.startWorkflow ?? {}, "startWorkflow", "startWorkflow");
      await starter.startWorkflow(request, source(`START_WORKFLOW ${task.taskId} of ${workflow.workflowId}`, workflow), { workflowId: childId });
    }
    return { kind: "complete", outputData: { workflowId: childId } };
  };
}
