/**
 * A lock file's record and the file operations the directory lock is built
 * from: exclusive creation that readers never see half-written, reading with a
 * key that tells one generation of the file from another, and deletion.
 */
import { createHash, randomBytes } from "node:crypto";
import { link, open, readFile, unlink } from "node:fs/promises";
import type { ProcessIdentity } from "./process-liveness.ts";

/** What a lock file holds. */
export interface LockRecord extends ProcessIdentity {
  /** When the lock was taken, ISO 8601. */
  since: string;
  /** Random, so that every lock (and claim) is distinct from every earlier one. */
  nonce: string;
}

/**
 * Creates `path` holding `bytes` unless it exists; false if it does. Written
 * to a temporary file, synced, then hard-linked to `path`: link() refuses an
 * existing name, and nobody can read the file before it is complete.
 */
export async function createLockFile(path: string, bytes: Buffer): Promise<boolean> {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(temporary, "wx");
  try {
    try {
      await handle.writeFile(bytes);
      // Without the sync, a power loss could leave the name pointing at an empty file: an unreadable lock.
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await deleteIfExists(temporary);
  }
}

/** A lock file as read. */
export interface FoundLock {
  /** Identifies this generation of the lock (or claim). */
  key: string;
  /** Undefined when the file is not a record this module wrote. */
  record: LockRecord | undefined;
}

/** Reads the lock file at `path`; undefined when there is none. */
export async function readLockFile(path: string): Promise<FoundLock | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return { key: createHash("sha256").update(bytes).digest("hex").slice(0, 16), record: parseRecord(bytes) };
}

function parseRecord(bytes: Buffer): LockRecord | undefined {
  try {
    const value = JSON.parse(bytes.toString("utf8")) as Partial<LockRecord>;
    const valid =
      Number.isInteger(value.pid) &&
      typeof value.hostname === "string" &&
      typeof value.since === "string" &&
      typeof value.nonce === "string" &&
      (value.startTicks === undefined || typeof value.startTicks === "string");
    return valid ? (value as LockRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Deletes `file` if it still holds `bytes` (a lock taken over meanwhile is someone else's). */
export async function deleteLockFileIfHolds(file: string, bytes: Buffer): Promise<void> {
  const found = await readFile(file).catch(() => undefined);
  if (found?.equals(bytes)) await deleteIfExists(file);
}

/** Deletes `path`; a missing file is not an error. */
export async function deleteIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

