import { spawn, spawnSync } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";

describe("npm start's entry", () => {
  it("refuses a bad configuration with a message naming the variable", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "src/api/node.ts"], {
      env: { ...process.env, PORT: "eighty", DATA_DIR: "/nonexistent-should-not-be-created" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("PORT: PORT must be a whole number");
  });

  it("exits with a message naming PORT when the port is taken, not a stack trace", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const run = spawnSync(process.execPath, ["--import", "tsx", "src/api/node.ts"], {
        env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", BATON_EVENT_STORE: "memory", BATON_LOG_FORMAT: "json" },
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(run.status).toBe(1);
      const output = run.stdout + run.stderr;
      expect(output).toContain(`127.0.0.1:${port} is already in use by another process: set PORT to a free port`);
      expect(output).not.toContain("Unhandled 'error' event");
    } finally {
      taken.close();
    }
  });

  it("logs JSON lines with time, level and message when stdout is not a terminal, and no secret", async () => {
    const secret = "s3cr3t-".repeat(6);
    const child = spawn(process.execPath, ["--import", "tsx", "src/api/node.ts"], {
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", BATON_EVENT_STORE: "memory", BATON_AUTH: "required", BATON_AUTH_SECRET: secret, BATON_LOG_FORMAT: "auto" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = Date.now() + 30_000;
    // "listening on" comes first (health answers at once), "ready on" once every route does; then the admin-key warning.
    while (!stderr.includes("no admin key exists") && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    const lines = [...stdout.split("\n"), ...stderr.split("\n")].filter((line) => line.trim() !== "");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const parsed = lines.map((line) => JSON.parse(line) as { time: string; level: string; message: string; port?: number });
    for (const line of parsed) {
      expect(Number.isNaN(Date.parse(line.time))).toBe(false);
      expect(["debug", "info", "warn", "error"]).toContain(line.level);
      expect(typeof line.message).toBe("string");
    }
    const listening = parsed.find((line) => line.message.startsWith("baton: listening on http://127.0.0.1:"));
    expect(listening?.port).toBeGreaterThan(0);
    expect(parsed.find((line) => line.message.startsWith("baton: ready on http://127.0.0.1:"))?.port).toBe(listening?.port);
    expect(parsed.some((line) => line.level === "warn" && line.message.includes("no admin key exists"))).toBe(true);
    expect(parsed.some((line) => line.message.includes("SIGTERM received"))).toBe(true);
    expect(stdout + stderr).not.toContain(secret);
  });
});
