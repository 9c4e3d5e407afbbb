import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, kill, startBatonProcess } from "../support/process.ts";

/**
 * A GraphQL subscriber over SSE that goes away must not take the server down:
 * the request-id header was added by re-wrapping the streamed answer, and the
 * re-wrapped stream threw "ReadableStream is already closed" out of undici,
 * an uncaught exception that ended the Node process.
 */
describe("SSE subscribers that disconnect", () => {
  let server: ChildProcess | undefined;
  afterAll(async () => {
    if (server) await kill(server);
  });

  it("leave the server serving, with the request id still on other answers", async () => {
    const port = await freePort();
    server = await startBatonProcess(port, { BATON_EVENT_STORE: "memory" });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream", "x-request-id": `sse-${i}` },
        body: JSON.stringify({ query: "subscription { stats { total } }" }),
      });
      expect(response.headers.get("content-type")).toContain("text/event-stream");
      expect(response.headers.get("x-request-id")).toBe(`sse-${i}`);
      const reader = response.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain("data:");
      await reader.cancel();
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(server.exitCode).toBeNull();
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get("x-request-id")).toMatch(/\S+/);
  });
});
