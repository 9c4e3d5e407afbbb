import type { AppDeps } from "./app.ts";
import type { Config } from "./config.ts";

/** The examples' compatibility routes the configuration asks for (BATON_FANOUT_API_PREFIX, BATON_CONTACT_API), for every runtime's entry. */
export function exampleRoutesOf(config: Config): Pick<AppDeps, "fanout" | "contact"> {
  return {
    fanout: config.BATON_FANOUT_API_PREFIX
      ? { prefix: config.BATON_FANOUT_API_PREFIX, workflowName: config.BATON_FANOUT_WORKFLOW, requestTopic: config.BATON_FANOUT_TOPIC }
      : undefined,
    contact: config.BATON_CONTACT_API ? { topic: config.BATON_CONTACT_TOPIC } : undefined,
  };
}
