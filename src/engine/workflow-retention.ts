import type { WorkflowState } from "../domain/workflow/state.ts";
import { isWorkflowTerminal } from "../domain/workflow/status.ts";
import type { ReadModels } from "../projections/read-models.ts";
import { digestOf, type WorkflowDigest } from "../projections/search.ts";
import { createLruCache } from "./lru-cache.ts";

/** Finished workflows whose whole state stays in memory, by default. */
export const DEFAULT_FINISHED_IN_MEMORY = 1000;
/** Finished workflows search still finds once their state left memory, by default. */
export const DEFAULT_SEARCHABLE_FINISHED = 50_000;

export interface RetentionOptions {
  /** Finished workflows kept whole in memory (least recently used leave first). */
  finishedInMemory?: number;
  /** Digests of finished workflows kept for search after they left memory (oldest leave first). */
  searchableFinished?: number;
}

/**
 * Keeps the read models' workflows bounded: every active workflow stays in
 * memory; finished ones stay while they are among the `finishedInMemory` most
 * recently used, then leave with their task index, queue and timer entries,
 * and only a small digest stays for search (at most `searchableFinished`).
 * A workflow that left is read from the store again when someone asks for it.
 */
export function createWorkflowRetention(models: ReadModels, options: RetentionOptions = {}) {
  // Finished workflows held whole, in use order; the one pushed out leaves memory.
  const finished = createLruCache<string, true>(options.finishedInMemory ?? DEFAULT_FINISHED_IN_MEMORY, (id) => evict(id));
  // Digests of those that left, oldest first; past the bound search no longer finds them.
  const digests = createLruCache<string, WorkflowDigest>(options.searchableFinished ?? DEFAULT_SEARCHABLE_FINISHED);

  function evict(workflowId: string): void {
    const workflow = models.workflows.get(workflowId);
    if (!workflow) return;
    models.workflows.delete(workflowId);
    for (const task of workflow.tasks) models.taskIndex.delete(task.taskId);
    models.timers.delete(workflowId);
    const queued = models.queuedByWorkflow.get(workflowId);
    if (queued) for (const [taskId, queue] of queued) models.queues.get(queue)?.delete(taskId);
    models.queuedByWorkflow.delete(workflowId);
    digests.set(workflowId, digestOf(workflow));
  }

  return {
    /** Called after the read models applied an event of `workflow`. */
    applied(workflow: WorkflowState): void {
      digests.delete(workflow.workflowId);
      if (!workflow.exists) {
        // Removed: the projection dropped it already.
        finished.delete(workflow.workflowId);
      } else if (isWorkflowTerminal(workflow.status)) {
        finished.set(workflow.workflowId, true);
      } else {
        finished.delete(workflow.workflowId);
      }
    },
    /**
     * Puts a workflow read back from the store into memory (as recently used),
     * unless the read models already hold it at the same or a later revision.
     * Returns the state now held.
     */
    restored(workflow: WorkflowState): WorkflowState {
      const held = models.workflows.get(workflow.workflowId);
      if (held && held.revision >= workflow.revision) return held;
      models.workflows.set(workflow.workflowId, workflow);
      for (const task of workflow.tasks) models.taskIndex.set(task.taskId, workflow.workflowId);
      this.applied(workflow);
      return workflow;
    },
    /** Marks a finished workflow as just used, so it leaves memory later. */
    touched(workflowId: string): void {
      finished.get(workflowId);
    },
    /** Digests of finished workflows no longer in memory, oldest first. */
    digests: () => digests.values(),
    /** What a checkpoint keeps of the retention: the finished workflows in use order, and the digests. */
    exported: (): RetentionImage => ({ finished: finished.keys(), digests: [...digests.values()] }),
    /** Takes back what `exported` gave (the read models it belongs to are already in place). */
    imported(image: RetentionImage): void {
      for (const id of image.finished) if (models.workflows.has(id)) finished.set(id, true);
      for (const digest of image.digests) digests.set(digest.workflowId, digest);
    },
  };
}

export type WorkflowRetention = ReturnType<typeof createWorkflowRetention>;

/** The retention's state in a checkpoint. */
export interface RetentionImage {
  finished: string[];
  digests: WorkflowDigest[];
}
