import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("npm start with Kafka unreachable", () => {
  it("answers HTTP at once (live, not ready, 503 elsewhere), logs a line or two, not hundreds, and stops on SIGTERM", async () => {
    const port = await closedPort();
    const child = spawn(process.execPath, ["--import", "tsx", "src/api/node.ts"], {
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", BATON_EVENT_STORE: "memory", BATON_BUS: "kafka", KAFKA_BROKERS: `127.0.0.1:${port}`, BATON_LOG_FORMAT: "json", BATON_START_HOLD_MS: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      const deadline = Date.now() + 20_000;
      let url: string | undefined;
      while (!url && Date.now() < deadline) {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) url = match[1];
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(url, output).toBeDefined();
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      // Give the first attempt time to fail, then look.
      await new Promise((r) => setTimeout(r, 3_000));
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(503);
      const report = (await ready.json()) as { components: Record<string, { state: string; detail: string }> };
      expect(report.components.bus).toMatchObject({ state: "down", detail: `kafka at 127.0.0.1:${port}` });
      expect(report.components.store!.state).toBe("up");
      // BATON_START_HOLD_MS=0: refused at once, not held.
      const asked = Date.now();
      const refused = await fetch(`${url}/api/workflow/running/x`);
      expect(Date.now() - asked).toBeLessThan(1_000);
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { message: string }).message).toContain(`waiting for bus (kafka at 127.0.0.1:${port}`);
      const lines = output.split("\n").filter((line) => line.trim() !== "");
      expect(lines.length).toBeLessThanOrEqual(4);
      expect(lines.filter((line) => line.includes("not reachable"))).toHaveLength(1);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill("SIGTERM");
    }
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
  }, 60_000);
});
