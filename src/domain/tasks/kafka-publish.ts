import { unmet } from "./definition-check.ts";
import type { TaskTypeSpec } from "./spec.ts";

/** KAFKA_PUBLISH: the engine publishes `kafka_request` on the bus after the schedule is stored. */
export const kafkaPublishTask: TaskTypeSpec = {
  run: { kind: "reactor", claim: "with-outcome" },
  retry: "taskDef",
  check: (task) =>
    unmet([task.inputParameters?.kafka_request !== undefined, "inputParameters.kafka_request", "kafka_request is required"]),
};
