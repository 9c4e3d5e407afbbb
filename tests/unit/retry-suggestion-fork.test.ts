/**
 * The retry suggestion for a failed EVENT inside a FORK_JOIN branch (the seed's
 * email + phone validation): the restart point is the publisher in the EVENT's
 * own branch, not the task scheduled just before it (another branch's task or
 * the JOIN, which fails with it and comes first by seq).
 */
import { describe, expect, it } from "vitest";
import { restartPointFor } from "../../src/projections/retry-suggestion.ts";
import { poll, scenario, systemTask, workflowDef } from "../support/decider-spec.ts";

const branch = (name: string) => [
  systemTask("KAFKA_PUBLISH", `request_${name}`, { inputParameters: { kafka_request: { topic: `${name}-requests`, value: {} } } }),
  systemTask("EVENT", `wait_${name}`, { sink: `conductor:${name}_completed`, asyncComplete: true }),
];

describe("restartPointFor a failed EVENT in a fork branch", () => {
  it("reruns from the publisher in the EVENT's own branch", () => {
    const def = workflowDef([
      { ...systemTask("FORK_JOIN", "fork"), forkTasks: [branch("email"), branch("phone")] },
      systemTask("JOIN", "join", { joinOn: ["wait_email", "wait_phone"] }),
    ]);
    const flow = scenario(def);
    for (const name of ["email", "phone"]) {
      flow.run(poll(flow.task(`request_${name}`).taskId, "baton:system"));
      flow.complete(`request_${name}`);
      flow.run(poll(flow.task(`wait_${name}`).taskId, "baton:system"));
    }
    flow.complete("wait_phone");
    flow.fail("wait_email", "email-validator: simulated fault (fault rate 0.5)");
    expect(flow.state.status).toBe("FAILED");
    const suggestion = restartPointFor(flow.state)!;
    expect(suggestion.reRunFromTaskRefName).toBe("request_email");
    expect(suggestion.reason).toBe(
      "EVENT task 'wait_email' FAILED: email-validator: simulated fault (fault rate 0.5), so rerun from 'request_email' (KAFKA_PUBLISH), the task that published the request",
    );
    expect(suggestion.resetTasks[0]).toBe("request_email");
    expect(suggestion.resetTasks).toContain("wait_email");
  });
});
