/**
 * Regression: merging the DAG-run resolvers dropped the `WorkflowDef` type's
 * resolvers, so every query selecting `warnings` (the console's definition
 * list among them) failed with "Cannot return null for non-nullable field".
 */
import { describe, expect, it } from "vitest";
import { inProcessApp } from "../support/app.ts";

describe("WorkflowDef.warnings over GraphQL", () => {
  it("lists a definition's warnings in workflowDefs, workflowDef and registerWorkflowDef", async () => {
    const h = await inProcessApp();
    const definition = { name: "warned", version: 1, tasks: [{ name: "publish", taskReferenceName: "publish", type: "NO_SUCH_TYPE" }] };
    const register = await h.call("POST", "/graphql", {
      query: "mutation($d: JSON!) { registerWorkflowDef(definition: $d) { name warnings { path message } } }",
      variables: { d: definition },
    });
    expect(register.json().errors).toBeUndefined();
    expect(register.json().data.registerWorkflowDef.warnings).toEqual([expect.objectContaining({ path: "tasks[0].type" })]);
    const list = await h.call("POST", "/graphql", { query: '{ workflowDefs { name warnings { path } } workflowDef(name: "warned") { warnings { path } } }' });
    expect(list.json().errors).toBeUndefined();
    expect(list.json().data.workflowDefs).toEqual([{ name: "warned", warnings: [{ path: "tasks[0].type" }] }]);
    expect(list.json().data.workflowDef.warnings).toEqual([{ path: "tasks[0].type" }]);
    await h.close();
  });
});
