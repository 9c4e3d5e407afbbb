import type { OrkesClients } from "@io-orkes/conductor-javascript";
import { compensationWorkflow, leadWorkflow, mailerWorkflow, SUBMITTED_TOPIC, submittedHandler, taskDefs } from "./definitions.ts";

/** Registers the pipeline's task definitions, three workflows and the event handler through the official JS SDK. */
export async function registerContactForm(clients: OrkesClients, topic = SUBMITTED_TOPIC): Promise<void> {
  await clients.getMetadataClient().registerTasks(taskDefs as never);
  const workflows = clients.getWorkflowClient();
  for (const definition of [mailerWorkflow, leadWorkflow, compensationWorkflow]) await workflows.registerWorkflow(true, definition as never);
  const events = clients.getEventClient();
  const handler = submittedHandler(topic);
  const existing = (await events.getAllEventHandlers()).some((h: { name?: string }) => h.name === handler.name);
  if (existing) await events.updateEventHandler(handler as never);
  else await events.addEventHandler(handler as never);
}
