/**
 * The data directory's lock, against the real file system and real processes:
 * held, refused, released, stale (dead holder, reused pid, a takeover that
 * died half-way) and taken over by exactly one of several racers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DirectoryInUseError, LOCK_FILE_NAME, lockDirectory } from "../../src/adapters/eventstore/directory-lock.ts";
import type { DirectoryLock, LockRecord } from "../../src/adapters/eventstore/directory-lock.ts";
import { kill } from "../support/process.ts";

let dir: string;
let lockFile: string;
const locks: DirectoryLock[] = [];
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-lock-"));
  lockFile = join(dir, LOCK_FILE_NAME);
});
afterEach(async () => {
  await Promise.all(locks.splice(0).map((lock) => lock.release()));
  await Promise.all(children.splice(0).map((child) => kill(child)));
  await rm(dir, { recursive: true, force: true });
});

async function lock(): Promise<DirectoryLock> {
  const held = await lockDirectory(dir);
  locks.push(held);
  return held;
}

async function refusal(attempt: Promise<unknown>): Promise<DirectoryInUseError> {
  const error = await attempt.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DirectoryInUseError);
  return error as DirectoryInUseError;
}

/** A lock file as another process would have written it. */
async function writeLock(fields: Partial<LockRecord>): Promise<string> {
  const record = { pid: 1, hostname: hostname(), since: "2026-01-02T03:04:05.000Z", nonce: "0123456789abcdef", ...fields };
  const text = `${JSON.stringify(record)}\n`;
  await writeFile(lockFile, text);
  return text;
}

/** The pid of a process that has run and exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

/** A process that runs until killed. */
function sleeper(): ChildProcess {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { stdio: "ignore" });
  children.push(child);
  return child;
}

/** Processes running tests/support/hold-directory-lock.ts, started, then let go at the same moment. */
async function racers(count: number, then: "hold" | "exit"): Promise<{ child: ChildProcess; outcome: { locked?: number; refused?: string } }[]> {
  const started = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ["--import", "tsx", "tests/support/hold-directory-lock.ts", dir, then], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    children.push(child);
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    return { child, lines };
  });
  for (const { lines } of started) expect((await lines.next()).value).toBe("ready");
  for (const { child } of started) child.stdin!.write("go\n");
  return Promise.all(started.map(async ({ child, lines }) => ({ child, outcome: JSON.parse((await lines.next()).value as string) })));
}

describe("directory lock", () => {
  it("records pid, host and time, and refuses a second lock naming the holder, leaving the file as it was", async () => {
    const held = await lock();
    const text = await readFile(lockFile, "utf8");
    expect(JSON.parse(text)).toMatchObject({ pid: process.pid, hostname: hostname(), since: held.record.since });
    expect(Date.parse(held.record.since)).toBeGreaterThan(Date.now() - 60_000);

    const error = await refusal(lockDirectory(dir));
    expect(error.message).toBe(
      `DATA_DIR ${dir} is in use by process ${process.pid} on host ${hostname()} since ${held.record.since}; stop it or choose another DATA_DIR`,
    );
    expect(error.holder?.pid).toBe(process.pid);
    expect(await readFile(lockFile, "utf8")).toBe(text);
  });

  it("deletes the lock file on release, so the directory can be locked again", async () => {
    const first = await lock();
    await first.release();
    await first.release();
    expect(existsSync(lockFile)).toBe(false);
    const second = await lock();
    expect(JSON.parse(await readFile(lockFile, "utf8")).nonce).toBe(second.record.nonce);
    // A late release of the first lock must not delete the second.
    await first.release();
    expect(existsSync(lockFile)).toBe(true);
  });

  it("refuses while another running process holds it, and takes it over once that process is SIGKILLed", async () => {
    const [holder] = await racers(1, "hold");
    expect(holder?.outcome.locked).toBe(holder?.child.pid);
    const error = await refusal(lockDirectory(dir));
    expect(error.message).toContain(`DATA_DIR ${dir} is in use by process ${holder?.child.pid} on host ${hostname()}`);

    await kill(holder!.child);
    const taken = await lock();
    expect(JSON.parse(await readFile(lockFile, "utf8"))).toMatchObject({ pid: process.pid, nonce: taken.record.nonce });
  });

  it("is released by the exit handler when the process exits without releasing it", async () => {
    const [holder] = await racers(1, "exit");
    expect(holder?.outcome.locked).toBe(holder?.child.pid);
    await new Promise((resolve) => (holder!.child.exitCode === null ? holder!.child.once("exit", resolve) : resolve(undefined)));
    expect(existsSync(lockFile)).toBe(false);
  });

  it("takes over a lock whose holder is gone", async () => {
    await writeLock({ pid: await deadPid() });
    const taken = await lock();
    expect(JSON.parse(await readFile(lockFile, "utf8")).nonce).toBe(taken.record.nonce);
  });

  it.runIf(existsSync("/proc/self/stat"))("takes over a lock whose pid now belongs to another process (start time differs)", async () => {
    const unrelated = sleeper();
    await writeLock({ pid: unrelated.pid!, startTicks: "1" });
    const taken = await lock();
    expect(JSON.parse(await readFile(lockFile, "utf8")).nonce).toBe(taken.record.nonce);
  });

  it("refuses a lock of a running process recorded without a start time", async () => {
    const running = sleeper();
    await writeLock({ pid: running.pid! });
    expect((await refusal(lockDirectory(dir))).message).toContain(`in use by process ${running.pid} `);
  });

  it("refuses a lock held on another host, which it cannot check, saying how to clear it", async () => {
    const text = await writeLock({ pid: await deadPid(), hostname: "elsewhere" });
    const error = await refusal(lockDirectory(dir));
    expect(error.message).toContain(`on host elsewhere since 2026-01-02T03:04:05.000Z (whether it still runs cannot be checked from here: if it is gone, delete ${lockFile})`);
    expect(await readFile(lockFile, "utf8")).toBe(text);
  });

  it("refuses a lock file it cannot read and leaves it alone", async () => {
    await writeFile(lockFile, "not json");
    const error = await refusal(lockDirectory(dir));
    expect(error.message).toBe(`DATA_DIR ${dir} has a lock file that is not Baton's (${lockFile}); if no process uses this directory, delete it`);
    expect(await readFile(lockFile, "utf8")).toBe("not json");
  });

  describe("racing takeovers of a stale lock", () => {
    it("lets exactly one of 20 concurrent attempts in this process win", async () => {
      await writeLock({ pid: await deadPid() });
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => lockDirectory(dir)));
      const winners = outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
      locks.push(...winners);
      expect(winners).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.status === "rejected").every((outcome) => outcome.reason instanceof DirectoryInUseError)).toBe(true);
      expect(JSON.parse(await readFile(lockFile, "utf8")).nonce).toBe(winners[0]?.record.nonce);
      expect((await readdir(dir)).sort()).toEqual([LOCK_FILE_NAME]);
    });

    it("lets exactly one of 4 processes win; the others name the winner", async () => {
      await writeLock({ pid: await deadPid() });
      const outcomes = await racers(4, "hold");
      const winners = outcomes.filter(({ outcome }) => outcome.locked !== undefined);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.child.pid;
      for (const { outcome } of outcomes.filter(({ outcome }) => outcome.refused !== undefined)) {
        expect(outcome.refused).toContain(`in use by process ${winner} `);
      }
      expect(JSON.parse(await readFile(lockFile, "utf8")).pid).toBe(winner);
      expect((await readdir(dir)).sort()).toEqual([LOCK_FILE_NAME]);
    });

    it("passes the takeover on when a claimant died half-way, and clears its claim", async () => {
      const stale = await writeLock({ pid: await deadPid() });
      const key = createHash("sha256").update(stale).digest("hex").slice(0, 16);
      await writeFile(join(dir, `${LOCK_FILE_NAME}.${key}.claim`), JSON.stringify({ pid: await deadPid(), hostname: hostname(), since: "x", nonce: "dead-claimant" }));
      const taken = await lock();
      expect(JSON.parse(await readFile(lockFile, "utf8")).nonce).toBe(taken.record.nonce);
      expect((await readdir(dir)).sort()).toEqual([LOCK_FILE_NAME]);
    });

    it("does not take a stale lock whose takeover a running process has claimed", async () => {
      const stale = await writeLock({ pid: await deadPid() });
      const key = createHash("sha256").update(stale).digest("hex").slice(0, 16);
      const claimant = sleeper();
      await writeFile(join(dir, `${LOCK_FILE_NAME}.${key}.claim`), JSON.stringify({ pid: claimant.pid, hostname: hostname(), since: "x", nonce: "n" }));
      const error = await refusal(lockDirectory(dir));
      expect(error.message).toContain(`in use by process ${claimant.pid} `);
      expect(await readFile(lockFile, "utf8")).toBe(stale);
    });
  });
});
