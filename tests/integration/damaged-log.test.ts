/**
 * A damaged event log, end to end with real processes: `npm start`'s entry
 * refuses to start on it (exit 1, the message naming file, offset, finding and
 * the repair command; the log untouched), and `baton repair` (run as a user
 * runs it) fixes each kind of damage, refusing what it must not do unasked.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { appendFile, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { openFileEventStore } from "../../src/adapters/eventstore/file.ts";
import { http, removeDir } from "../support/baton.ts";
import { freePort, kill, startBatonProcess } from "../support/process.ts";

const ROOT = join(import.meta.dirname, "..", "..");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node --import tsx <entry> ...args` to its end. */
function runNode(entry: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const clean = { ...process.env };
  delete clean.DATA_DIR;
  delete clean.BATON_EVENT_STORE;
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", entry, ...args], { cwd: ROOT, env: { ...clean, HOST: "127.0.0.1", ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

const repair = (dir: string, ...flags: string[]) => runNode("src/cli/baton.ts", ["repair", "--data-dir", dir, ...flags]);

const crlf = (bytes: Buffer) => Buffer.from(bytes.toString("latin1").replaceAll("\n", "\r\n"), "latin1");

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

describe("npm start on a damaged log", () => {
  let dataDir: string | undefined;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) await kill(child);
    await removeDir(dataDir);
  });

  it("exits 1 with the file, offset, finding and repair command, touching nothing; after `baton repair` it serves every workflow", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "baton-damaged-"));
    const env = { DATA_DIR: dataDir, BATON_EVENT_STORE: "file" };
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const first = await startBatonProcess(port, env);
    children.push(first);
    await http(url, "POST", "/api/metadata/taskdefs", [{ name: "damage_step", retryCount: 0 }]);
    await http(url, "POST", "/api/metadata/workflow", { name: "damage_flow", tasks: [{ name: "damage_step", taskReferenceName: "only" }] });
    const workflowId = (await http(url, "POST", "/api/workflow", { name: "damage_flow", input: { n: 1 } })).text;
    const before = (await http(url, "GET", `/api/workflow/${workflowId}`)).json();
    await stop(first);

    const logFile = join(dataDir, "events.log");
    const damaged = crlf(await readFile(logFile));
    await writeFile(logFile, damaged);
    const refused = await runNode("src/api/node.ts", [], { ...env, PORT: String(await freePort()) });
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain(`baton: failed to start: ${logFile}: damaged record at byte offset 0 (a carriage return before the newline (CRLF line endings)`);
    expect(refused.stderr).toContain(`npm run baton -- repair --data-dir ${dataDir}`);
    expect(refused.stderr).not.toMatch(/^\s+at /m);
    expect((await readFile(logFile)).equals(damaged)).toBe(true);

    const repaired = await repair(dataDir);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout).toMatch(/fixed \(no event lost\): CRLF -> LF on \d+ line\(s\)/);
    expect(repaired.stdout).toContain("dropped: nothing");

    const second = await startBatonProcess(port, env);
    children.push(second);
    const after = await http(url, "GET", `/api/workflow/${workflowId}`);
    expect(after.status).toBe(200);
    expect(after.json()).toEqual(before);
  });
});

describe("baton repair", () => {
  let dir: string;
  let logFile: string;
  let offsets: number[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "baton-repair-cli-"));
    logFile = join(dir, "events.log");
    const store = await openFileEventStore({ dir });
    const event = (id: string, type: string) => ({ id, type, data: {}, metadata: {} });
    await store.append("orders-one", [event("a0", "WorkflowStarted"), event("a1", "TaskScheduled")], "no_stream");
    await store.append("orders-two", [event("b0", "WorkflowStarted")], "no_stream");
    await store.append("orders-one", [event("a2", "TaskStarted")], 1);
    await store.close();
    const lines = (await readFile(logFile, "latin1")).split("\n").slice(0, -1);
    offsets = lines.map((_, index) => lines.slice(0, index).reduce((offset, line) => offset + line.length + 1, 0));
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  async function ids(): Promise<string[]> {
    const store = await openFileEventStore({ dir });
    try {
      return (await store.readAll()).map((event) => event.id);
    } finally {
      await store.close();
    }
  }

  const backups = async () => (await readdir(dir)).filter((name) => name.startsWith("events.log.bak-"));

  it.each([
    ["trailing whitespace", (bytes: Buffer) => Buffer.from(bytes.toString("latin1").replaceAll("\n", " \n"), "latin1"), "removed trailing whitespace from 3 line(s)"],
    ["a byte order mark", (bytes: Buffer) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]), "removed a UTF-8 byte order mark"],
    ["CRLF line endings", crlf, "CRLF -> LF on 3 line(s)"],
  ])("undoes %s, keeping every event and a backup", async (_name, damage, fixed) => {
    const damaged = damage(await readFile(logFile));
    await writeFile(logFile, damaged);
    const run = await repair(dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`fixed (no event lost): ${fixed}`);
    expect(run.stdout).toContain("kept: 3 record(s), 4 event(s) in 2 stream(s)");
    expect(run.stdout).toContain("dropped: nothing");
    const [backup] = await backups();
    expect(run.stdout).toContain(`backup of the original: ${join(dir, backup!)}`);
    expect((await readFile(join(dir, backup!))).equals(damaged)).toBe(true);
    expect(await ids()).toEqual(["a0", "a1", "b0", "a2"]);
  });

  it("cuts a partial final record, saying where and how much", async () => {
    const size = (await readFile(logFile)).length;
    const partial = '0badf00d {"streamId":"orders-two","rev';
    await appendFile(logFile, partial);
    const run = await repair(dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`cut: a torn tail of ${partial.length} byte(s) at byte offset ${size}`);
    expect(await ids()).toEqual(["a0", "a1", "b0", "a2"]);
  });

  it("refuses a flipped byte in the last complete record (exit 1, nothing changed), then drops exactly it on request", async () => {
    const bytes = await readFile(logFile);
    bytes[bytes.indexOf("a2", offsets[2])] = "c".charCodeAt(0);
    await writeFile(logFile, bytes);
    const refused = await repair(dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`baton: repair refused: ${logFile}: damaged record at byte offset ${offsets[2]} (checksum mismatch)`);
    expect(refused.stderr).toContain(`--drop-from-offset ${offsets[2]}`);
    expect(refused.stderr).toMatch(/stream "orders-one" revision 2, position 3: TaskStarted \(unverified: read from a damaged record\)/);
    expect((await readFile(logFile)).equals(bytes)).toBe(true);
    expect(await backups()).toEqual([]);

    const dropped = await repair(dir, "--drop-from-offset", String(offsets[2]));
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.stdout).toContain(`dropped: 1 record(s), 1 event(s), from byte offset ${offsets[2]}:`);
    expect(dropped.stdout).toContain("kept: 2 record(s), 3 event(s) in 2 stream(s)");
    expect(await ids()).toEqual(["a0", "a1", "b0"]);
  });

  it("refuses a flipped byte mid-file, listing every event dropping would lose; --drop-from-offset drops and lists them", async () => {
    const bytes = await readFile(logFile);
    bytes[(offsets[1] ?? 0) + 9] = 0x00;
    await writeFile(logFile, bytes);
    const refused = await repair(dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`followed by 1 more record(s)`);
    expect(refused.stderr).toContain(`byte offset ${offsets[1]} (${(offsets[2] ?? 0) - (offsets[1] ?? 0)} bytes): unreadable, held position 2 (inferred from its neighbours), damaged: checksum mismatch`);
    expect(refused.stderr).toContain(`byte offset ${offsets[2]} (`);
    expect(refused.stderr).toContain('stream "orders-one" revision 2, position 3: TaskStarted');
    expect((await readFile(logFile)).equals(bytes)).toBe(true);

    const dropped = await repair(dir, "--drop-from-offset", String(offsets[1]));
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.stdout).toContain(`dropped: 2 record(s), 1 event(s) and 1 unreadable record(s), from byte offset ${offsets[1]}:`);
    expect(await ids()).toEqual(["a0", "a1"]);
  });

  it("with --dry-run says what it would do and changes nothing", async () => {
    const damaged = crlf(await readFile(logFile));
    await writeFile(logFile, damaged);
    const run = await repair(dir, "--dry-run");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`dry run, nothing changed: ${logFile} needs repair`);
    expect(run.stdout).toContain("fixed (no event lost): CRLF -> LF on 3 line(s)");
    expect((await readFile(logFile)).equals(damaged)).toBe(true);
    expect(await backups()).toEqual([]);
  });

  it("says so, and changes nothing, on an intact log", async () => {
    const run = await repair(dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`${logFile}: intact, nothing to repair`);
    expect(await backups()).toEqual([]);
  });

  it("exits 2 while a server holds the directory, and on a bad offset", async () => {
    const port = await freePort();
    const server = await startBatonProcess(port, { DATA_DIR: dir, BATON_EVENT_STORE: "file" });
    try {
      const run = await repair(dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`baton: repair: DATA_DIR ${dir} is in use by process ${server.pid}`);
    } finally {
      await kill(server);
    }
    const bad = await repair(dir, "--drop-from-offset", "ten");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--drop-from-offset must be a byte offset (a whole number >= 0), got 'ten'");
  });
});
