/**
 * One owner per data directory: an exclusive lock file, `<dir>/baton.lock`,
 * naming its holder (pid, host, since when), so a refusal can say who holds it.
 *
 * Creating a lock file writes the record to a private temporary file, syncs
 * it, then hard-links it to the lock's name. link() fails when the name
 * exists, so creation is atomic and nobody ever reads a half-written lock.
 *
 * A stale lock (its holder is gone, see process-liveness.ts) is taken over.
 * Two processes that both found it stale must not both win, and neither may
 * delete the lock the other has just put in its place. So deleting a stale
 * lock takes a claim on it, `<lock>.<key>.claim`, created the same exclusive
 * way, where `key` identifies that one generation of the lock (a record holds
 * a random nonce, so keys never recur). The claim's owner reads the lock again
 * and deletes it only if it still has that key. A claimant that died
 * mid-takeover leaves a claim whose own key is claimed next: the right to
 * delete passes down that chain. Once the lock has changed hands, leftover
 * claims are inert (a late claimant finds a key it has no claim on and backs
 * off), and the new holder deletes them.
 *
 * Released by `release()` and, where exit handlers still run, on exit; after a
 * SIGKILL or a power loss the lock is stale and the next owner takes it over.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { createLockFile, deleteIfExists, deleteLockFileIfHolds, readLockFile } from "./lock-file.ts";
import type { FoundLock, LockRecord } from "./lock-file.ts";
import { currentProcess, processLiveness } from "./process-liveness.ts";
import type { Liveness } from "./process-liveness.ts";

export type { LockRecord } from "./lock-file.ts";

/** The lock file's name in the directory it locks. */
export const LOCK_FILE_NAME = "baton.lock";

/** A held lock. */
export interface DirectoryLock {
  readonly file: string;
  readonly record: LockRecord;
  /** Deletes the lock file if it is still this lock; later calls do nothing. */
  release(): Promise<void>;
}

/** The directory is locked by a process that runs (or that Baton cannot check), or its lock is unreadable. */
export class DirectoryInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly lockFile: string,
    /** The holder, when the lock could be read. */
    readonly holder: LockRecord | undefined,
    message: string,
  ) {
    super(message);
    this.name = "DirectoryInUseError";
  }
}

/** How often, and how long apart, a lock whose takeover another process has claimed is looked at again. */
const ATTEMPTS = 200;
const RETRY_MS = 10;

/** Locks held by this process, by file, so that they can be released on exit. */
const heldByThisProcess = new Map<string, Buffer>();
/** Nonces of locks this process holds or is taking; a record with one of them is this process's, not a stale one. */
const ownNonces = new Set<string>();

/**
 * Takes the lock on `dir` (which must exist), taking over a stale one; throws
 * `DirectoryInUseError` when a running process holds it. See the module comment.
 */
export async function lockDirectory(dir: string): Promise<DirectoryLock> {
  const file = join(dir, LOCK_FILE_NAME);
  const record: LockRecord = { ...(await currentProcess()), since: new Date().toISOString(), nonce: randomBytes(8).toString("hex") };
  const bytes = Buffer.from(`${JSON.stringify(record)}\n`);
  ownNonces.add(record.nonce);
  try {
    await acquire(dir, file, bytes);
  } catch (error) {
    ownNonces.delete(record.nonce);
    throw error;
  }
  heldByThisProcess.set(file, bytes);
  installExitHandler();
  await deleteLeftoverClaims(dir);
  let releasing: Promise<void> | undefined;
  return {
    file,
    record,
    release() {
      releasing ??= (async () => {
        heldByThisProcess.delete(file);
        await deleteLockFileIfHolds(file, bytes);
        // Only now: until the file is gone, an open in this process must still find the lock held.
        ownNonces.delete(record.nonce);
      })();
      return releasing;
    },
  };
}

async function acquire(dir: string, file: string, bytes: Buffer): Promise<void> {
  let busyWith: LockRecord | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    if (await createLockFile(file, bytes)) return;
    const found = await readLockFile(file);
    if (!found) continue; // released in between
    const holder = recordOf(found, dir, file);
    const liveness = await livenessOf(holder);
    if (liveness !== "gone") throw inUse(dir, file, holder, liveness);
    const outcome = await takeOver(dir, file, found.key, bytes);
    if (outcome.kind === "won") return;
    if (outcome.kind === "busy") {
      // Another process is taking the stale lock over right now; it will hold it in a moment.
      busyWith = outcome.claimant;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
  if (busyWith) throw inUse(dir, file, busyWith, "running");
  throw new Error(`${file}: could not take the lock after ${ATTEMPTS} attempts; it keeps changing hands`);
}

type TakeOver = { kind: "won" } | { kind: "lost" } | { kind: "busy"; claimant: LockRecord };

/** Replaces the stale lock with key `staleKey` by `bytes`, if this process wins the claim on it. */
async function takeOver(dir: string, file: string, staleKey: string, bytes: Buffer): Promise<TakeOver> {
  const entitledTo = [staleKey];
  let claim: string | undefined;
  while (!claim) {
    const candidate = claimFile(file, entitledTo.at(-1) ?? staleKey);
    if (await createLockFile(candidate, bytes)) {
      claim = candidate;
      break;
    }
    const found = await readLockFile(candidate);
    // Only a claim's owner deletes it, and only once the lock has changed hands.
    if (!found) return { kind: "lost" };
    const claimant = recordOf(found, dir, candidate);
    if ((await livenessOf(claimant)) !== "gone") return { kind: "busy", claimant };
    entitledTo.push(found.key);
  }
  try {
    const current = await readLockFile(file);
    if (current) {
      if (!entitledTo.includes(current.key)) return { kind: "lost" };
      await deleteIfExists(file);
    }
    return (await createLockFile(file, bytes)) ? { kind: "won" } : { kind: "lost" };
  } finally {
    await deleteIfExists(claim);
  }
}

function claimFile(file: string, key: string): string {
  return `${file}.${key}.claim`;
}

const CLAIM = new RegExp(`^${LOCK_FILE_NAME.replace(".", "\\.")}\\.[0-9a-f]{16}\\.claim$`);

/** Claims left by takeovers that died half-way; inert now that this process holds the lock. */
async function deleteLeftoverClaims(dir: string): Promise<void> {
  for (const name of await readdir(dir)) if (CLAIM.test(name)) await deleteIfExists(join(dir, name));
}

/**
 * Our own writes are complete (link after sync), so an unreadable lock was
 * made some other way; taking it over could wrong whoever made it.
 */
function recordOf(found: FoundLock, dir: string, path: string): LockRecord {
  if (found.record) return found.record;
  throw new DirectoryInUseError(
    dir,
    path,
    undefined,
    `DATA_DIR ${dir} has a lock file that is not Baton's (${path}); if no process uses this directory, delete it`,
  );
}

async function livenessOf(record: LockRecord): Promise<Liveness> {
  if (record.pid === process.pid && ownNonces.has(record.nonce)) return "running";
  return processLiveness(record);
}

function inUse(dir: string, file: string, holder: LockRecord, liveness: Liveness): DirectoryInUseError {
  const unchecked = liveness === "unknown" ? ` (whether it still runs cannot be checked from here: if it is gone, delete ${file})` : "";
  return new DirectoryInUseError(
    dir,
    file,
    holder,
    `DATA_DIR ${dir} is in use by process ${holder.pid} on host ${holder.hostname} since ${holder.since}${unchecked}; stop it or choose another DATA_DIR`,
  );
}

let exitHandlerInstalled = false;

/** One handler for every lock, so that many stores in one process do not pile up listeners. */
function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on("exit", () => {
    for (const [file, bytes] of heldByThisProcess) {
      try {
        if (readFileSync(file).equals(bytes)) unlinkSync(file);
      } catch {
        // Exiting anyway; a lock left behind is stale and will be taken over.
      }
    }
  });
}
