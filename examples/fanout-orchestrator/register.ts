import type { OrkesClients } from "@io-orkes/conductor-javascript";
import { fanoutWorkflow, kafkaCallWorkflow, REQUEST_TOPIC, requestHandler, taskDefs, type Transport } from "./definitions.ts";

/** Registers the example's task definitions, workflow and request handler through the official SDK. */
export async function registerFanout(clients: OrkesClients, transport: Transport, topic = REQUEST_TOPIC): Promise<void> {
  await clients.getMetadataClient().registerTasks(taskDefs as never);
  if (transport.kind === "kafka") await clients.getWorkflowClient().registerWorkflow(true, kafkaCallWorkflow as never);
  await clients.getWorkflowClient().registerWorkflow(true, fanoutWorkflow(transport) as never);
  const events = clients.getEventClient();
  const handler = requestHandler(topic);
  const existing = (await events.getAllEventHandlers()).some((h: { name?: string }) => h.name === handler.name);
  if (existing) await events.updateEventHandler(handler as never);
  else await events.addEventHandler(handler as never);
}
