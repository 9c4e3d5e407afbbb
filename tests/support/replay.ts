import type { EventStore } from "../../src/domain/ports.ts";
import { toWorkflowJson } from "../../src/projections/conductor-json.ts";
import { applyEvent, createReadModels } from "../../src/projections/read-models.ts";

/** Every workflow's Conductor JSON, rebuilt from nothing but the stored events. */
export async function replayWorkflowJson(store: EventStore): Promise<Map<string, Record<string, unknown>>> {
  const models = createReadModels();
  for (const event of await store.readAll()) applyEvent(models, event);
  const out = new Map<string, Record<string, unknown>>();
  for (const [id, workflow] of models.workflows) out.set(id, toWorkflowJson(workflow, true));
  return out;
}
