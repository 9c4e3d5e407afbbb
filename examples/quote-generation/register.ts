import type { OrkesClients } from "@io-orkes/conductor-javascript";
import { handleErrorWorkflow, quoteWorkflow, summarisationWorkflow, taskDefs } from "./definitions.ts";

/** Registers the task definitions and the three workflows through the official JS SDK. */
export async function registerQuoteGeneration(clients: OrkesClients): Promise<void> {
  await clients.getMetadataClient().registerTasks(taskDefs as never);
  const workflows = clients.getWorkflowClient();
  for (const definition of [summarisationWorkflow, handleErrorWorkflow, quoteWorkflow]) await workflows.registerWorkflow(true, definition as never);
}
