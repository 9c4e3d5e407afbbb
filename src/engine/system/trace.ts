import { childTraceparent } from "../../domain/trace-context.ts";
import type { WorkflowState } from "../../domain/workflow/state.ts";

/** A fresh W3C span id: 8 random bytes as 16 hex digits (never all zero). */
export function newSpanId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  if (bytes.every((b) => b === 0)) bytes[7] = 1;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The `traceparent` header for a call a task of `workflow` makes, or undefined when the workflow was not started in a trace. */
export function outgoingTraceparent(workflow: WorkflowState): string | undefined {
  return childTraceparent(workflow.traceparent, newSpanId());
}
