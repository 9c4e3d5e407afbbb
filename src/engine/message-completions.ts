import type { EventSource } from "../domain/ports.ts";
import type { CompleteTaskFromMessage } from "../domain/workflow/complete-from-message.ts";
import type { EngineCore } from "./engine-core.ts";

/** A task's result from an inbound message, as the router and the event handlers send it. */
export type MessageCompletion = Omit<CompleteTaskFromMessage, "type">;

/** What a message did to its task: ended it, or nothing, because this message had ended it already. */
export type MessageCompletionVerdict = "applied" | "duplicate";

/**
 * Inbound completions as commands on the workflow decider, which decides
 * duplicates and late messages (domain/workflow/complete-from-message.ts):
 * a late one rejects with a LateCompletionError, an unknown workflow or task
 * with NotFound. Resolves once the read models include the change.
 */
export function createMessageCompletions(core: EngineCore) {
  return {
    async completeTaskFromMessage(workflowId: string, completion: MessageCompletion, source: EventSource): Promise<MessageCompletionVerdict> {
      const { events } = await core.handleWorkflowCommand(workflowId, { type: "CompleteTaskFromMessage", ...completion }, source);
      return events.length > 0 ? "applied" : "duplicate";
    },
  };
}
