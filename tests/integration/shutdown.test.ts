import { Agent, request } from "node:http";
import { describe, expect, it } from "vitest";
import { startBaton } from "../support/baton.ts";

/** GET `url` on a keep-alive agent: the status, or the error's code when the connection failed. */
function get(agent: Agent, url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

describe("shutting down under load", () => {
  it("closes while clients keep sending requests on keep-alive connections (as SDK workers long-polling do)", async () => {
    const baton = await startBaton();
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const outcomes: (number | string)[] = [];
    let closed = false;
    // Four clients, each a request after another on its kept-alive connection, until the server is gone.
    const clients = [0, 1, 2, 3].map(async () => {
      while (!closed) outcomes.push(await get(agent, `${baton.url}/api/tasks/poll/batch/nothing_queued?count=4&timeout=500`));
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const began = Date.now();
      const closing = baton.close().then(() => Date.now() - began);
      const tookMs = await Promise.race([closing, new Promise<string>((resolve) => setTimeout(() => resolve("still closing after 10 s"), 10_000))]);
      expect(typeof tookMs === "number" ? "closed" : tookMs).toBe("closed");
      expect(tookMs).toBeLessThan(5_000);
    } finally {
      closed = true;
      await Promise.all(clients);
      agent.destroy();
    }
    // Requests served before the close were answered; after it, connections are refused or reset, never answered with an error status.
    expect(outcomes.filter((o) => o === 200).length).toBeGreaterThanOrEqual(8);
    expect(outcomes.filter((o) => typeof o === "number" && o !== 200)).toEqual([]);
  });
});
