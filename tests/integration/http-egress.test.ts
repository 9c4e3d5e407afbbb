import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEgressPolicy } from "../../src/engine/system/egress-policy.ts";
import { eventually } from "../support/baton.ts";
import { inProcessApp } from "../support/app.ts";

/**
 * The HTTP task's egress policy end to end: a real local server (allowed, since
 * loopback is not denied by default) that redirects to a cloud metadata address.
 */
describe("HTTP task egress policy", () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      hits.push(request.url ?? "");
      if (request.url === "/to-metadata") {
        response.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/iam/" }).end();
      } else if (request.url === "/to-ok") {
        response.writeHead(303, { location: "/ok" }).end();
      } else {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ method: request.method, url: request.url }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function run(t: Awaited<ReturnType<typeof inProcessApp>>, url: string, method = "GET") {
    await t.call("POST", "/api/metadata/taskdefs", [{ name: "egress_call", retryCount: 3, retryDelaySeconds: 0 }]);
    await t.call("POST", "/api/metadata/workflow?overwrite=true", {
      name: "egress_flow",
      tasks: [{ name: "egress_call", taskReferenceName: "call", type: "HTTP", inputParameters: { http_request: { uri: "${workflow.input.url}", method } } }],
    });
    const id = (await t.call("POST", "/api/workflow/egress_flow", { url })).text;
    return eventually(async () => {
      const workflow = (await t.call("GET", `/api/workflow/${id}`)).json();
      return workflow.status === "RUNNING" ? undefined : workflow;
    });
  }

  it("refuses a cloud metadata address by default, once, without retries, naming the policy", async () => {
    const t = await inProcessApp();
    try {
      const workflow = await run(t, "http://169.254.169.254/latest/meta-data/");
      expect(workflow.status).toBe("FAILED");
      expect(workflow.tasks).toHaveLength(1);
      expect(workflow.tasks[0].reasonForIncompletion).toContain("the HTTP egress policy refuses 169.254.169.254: it matches '169.254.0.0/16'");
    } finally {
      await t.close();
    }
  });

  it("checks every redirect hop: an allowed server cannot bounce the call to a metadata address", async () => {
    const t = await inProcessApp();
    try {
      const workflow = await run(t, `${base}/to-metadata`);
      expect(workflow.status).toBe("FAILED");
      expect(workflow.tasks[0].reasonForIncompletion).toContain("redirect 1 to http://169.254.169.254/latest/meta-data/iam/: the HTTP egress policy refuses");
      const followed = await run(t, `${base}/to-ok`, "POST");
      expect(followed.status).toBe("COMPLETED");
      expect(followed.tasks.at(-1).outputData.response.body).toEqual({ method: "GET", url: "/ok" });
    } finally {
      await t.close();
    }
  });

  it("a deny rule keeps HTTP tasks off Baton's own API and other loopback services", async () => {
    const t = await inProcessApp({ egress: createEgressPolicy({ deny: ["127.0.0.0/8", "::1"] }) });
    try {
      const before = hits.length;
      const workflow = await run(t, `${base}/ok`);
      expect(workflow.status).toBe("FAILED");
      expect(workflow.tasks[0].reasonForIncompletion).toContain("matches '127.0.0.0/8'");
      expect(hits.length).toBe(before);
    } finally {
      await t.close();
    }
  });
});
