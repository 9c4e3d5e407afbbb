/**
 * Group commit for the file store's log. Appends queued while a write is in
 * flight go out together in the next one, so N concurrent appends cost one
 * write and one fdatasync instead of N. Groups are written in queue order, so
 * file order is queue order.
 */
import { open, type FileHandle } from "node:fs/promises";

/** Appends to the log file in group commits. */
export interface LogWriter {
  /**
   * Queues bytes for the end of the log. Resolves once they, and everything
   * queued before them, are durable, and after `onDurable` has run for them.
   * Empty bytes write nothing but still wait for everything queued before.
   */
  enqueue(bytes: Buffer, revealTo: number): Promise<void>;
  /** Resolves when everything queued so far has been written (or has failed). */
  flush(): Promise<void>;
  /** The write failure that stopped the writer, if one did. */
  failure(): Error | undefined;
}

/** Options of `createLogWriter`. */
export interface LogWriterOptions {
  /** fdatasync after every group (default in the store); off trades crash safety for speed. */
  fsync: boolean;
  /** Called with the largest `revealTo` of each group once it is durable, before the group's appends resolve. */
  onDurable: (revealTo: number) => void;
  /** Names the file in errors. */
  file: string;
}

interface Queued {
  bytes: Buffer;
  revealTo: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Creates a writer appending to `handle`, which must be open in append mode. */
export function createLogWriter(handle: FileHandle, options: LogWriterOptions): LogWriter {
  let queue: Queued[] = [];
  let writing: Promise<void> | undefined;
  let failure: Error | undefined;

  async function writeQueued(): Promise<void> {
    // One microtask's grace lets every append issued in the same tick join the first group.
    await Promise.resolve();
    try {
      while (queue.length > 0 && !failure) {
        const group = queue;
        queue = [];
        try {
          const bytes = Buffer.concat(group.map((queued) => queued.bytes));
          if (bytes.length > 0) {
            await writeFully(handle, bytes);
            if (options.fsync) await handle.datasync();
          }
        } catch (error) {
          // What reached the disk is unknown now; only reopening (which
          // repairs a torn tail) can tell, so refuse every further append.
          failure = new Error(`${options.file}: write failed; reopen the event store to recover`, { cause: error });
          for (const queued of [...group, ...queue]) queued.reject(failure);
          queue = [];
          return;
        }
        options.onDurable(group.reduce((max, queued) => Math.max(max, queued.revealTo), 0));
        for (const queued of group) queued.resolve();
      }
    } finally {
      // No await between the last queue check and here, so an enqueue never finds a writer that is about to stop.
      writing = undefined;
    }
  }

  return {
    enqueue(bytes, revealTo) {
      if (failure) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        queue.push({ bytes, revealTo, resolve, reject });
        writing ??= writeQueued();
      });
    },
    async flush() {
      while (writing) await writing;
    },
    failure: () => failure,
  };
}

async function writeFully(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

/** Makes a directory's entries durable (a new or renamed file in it); a no-op where directories cannot be opened for sync (Windows). */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const directory = await open(dir, "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
