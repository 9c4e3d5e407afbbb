/**
 * Writes `baton repair`'s result to a temporary file, lazily: lines kept as
 * they are cost nothing until the first change, when the unchanged prefix is
 * copied over in one go. So checking an intact log writes nothing at all.
 */
import { open, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";

/** The repaired log being written; see the module comment. */
export interface RepairedLogWriter {
  /** Keeps a record: `bytes` (without newline), which end at `end` in the original when `unchanged`. */
  keep(bytes: Buffer, unchanged: boolean, end: number): Promise<void>;
  /** The output differs from the original from here on (something was fixed, cut or dropped). */
  diverge(): Promise<void>;
  /** Syncs and closes the file; true when the output differs from the original (in a dry run: would differ). */
  finish(): Promise<boolean>;
  /** Closes and deletes whatever was written. */
  discard(): Promise<void>;
}

const NEWLINE = Buffer.from("\n", "latin1");
const WRITE_BYTES = 1 << 20;

/** A writer of the repair of `original` (open for reading) to `path`; with no `path` (a dry run) it only notes a change. */
export function createRepairedLogWriter(original: FileHandle, path: string | undefined): RepairedLogWriter {
  let output: FileHandle | undefined;
  let diverged = false;
  let unchangedUpTo = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  async function writeAll(bytes: Buffer): Promise<void> {
    for (let at = 0; at < bytes.length; ) at += (await output!.write(bytes, at, bytes.length - at)).bytesWritten;
  }

  async function flush(): Promise<void> {
    if (pendingBytes === 0) return;
    const bytes = Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    await writeAll(bytes);
  }

  async function diverge(): Promise<void> {
    if (diverged) return;
    diverged = true;
    if (path === undefined) return;
    output = await open(path, "w");
    const chunk = Buffer.allocUnsafe(WRITE_BYTES);
    for (let at = 0; at < unchangedUpTo; ) {
      const { bytesRead } = await original.read(chunk, 0, Math.min(WRITE_BYTES, unchangedUpTo - at), at);
      if (bytesRead === 0) throw new Error(`the log ended at byte ${at} while copying it; was it changed during the repair?`);
      await writeAll(chunk.subarray(0, bytesRead));
      at += bytesRead;
    }
  }

  return {
    async keep(bytes, unchanged, end) {
      if (!diverged && unchanged) {
        unchangedUpTo = end;
        return;
      }
      await diverge();
      if (!output) return;
      pending.push(bytes, NEWLINE);
      pendingBytes += bytes.length + 1;
      if (pendingBytes >= WRITE_BYTES) await flush();
    },
    diverge,
    async finish() {
      if (!output) return diverged;
      try {
        await flush();
        await output.datasync();
      } finally {
        await output.close();
      }
      return true;
    },
    async discard() {
      if (!output || path === undefined) return;
      await output.close().catch(() => {});
      await unlink(path).catch(() => {});
    },
  };
}
