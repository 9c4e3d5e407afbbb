/**
 * Whether a process named in a lock file still runs, for telling a held lock
 * from a stale one.
 *
 * On Linux the answer comes from /proc: no entry, or a zombie, means gone, and
 * a start time other than the one recorded means the pid was reused by another
 * process since. Elsewhere `process.kill(pid, 0)` answers for the pid alone. A
 * process on another host cannot be checked at all.
 */
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";

/** Who holds (or held) a lock: enough to check whether it still runs, and to name it in errors. */
export interface ProcessIdentity {
  pid: number;
  hostname: string;
  /** Kernel start time of the process (field 22 of /proc/<pid>/stat, in clock ticks since boot), where known. */
  startTicks?: string;
}

/** `unknown`: on another host, or the runtime may not look (Deno without the permission). */
export type Liveness = "running" | "gone" | "unknown";

/** The identity of this process. */
export async function currentProcess(): Promise<ProcessIdentity> {
  const stat = await readProcStat(process.pid);
  return { pid: process.pid, hostname: hostName(), ...(stat ? { startTicks: stat.startTicks } : {}) };
}

/** Whether the process `identity` names still runs; see the module comment. */
export async function processLiveness(identity: ProcessIdentity): Promise<Liveness> {
  if (identity.hostname !== hostName()) return "unknown";
  const stat = await readProcStat(identity.pid);
  if (stat) {
    if (stat.state === "Z" || stat.state === "X") return "gone";
    if (identity.startTicks !== undefined && stat.startTicks !== identity.startTicks) return "gone";
    return "running";
  }
  // No entry for the pid: gone, as long as /proc is there at all.
  if (await readProcStat(process.pid)) return "gone";
  try {
    process.kill(identity.pid, 0);
    return "running";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ESRCH") return "gone";
    if (code === "EPERM") return "running"; // another user's process
    return "unknown";
  }
}

function hostName(): string {
  try {
    return hostname();
  } catch {
    // Deno without --allow-sys; every process of such a runtime then agrees on the name.
    return "unknown";
  }
}

async function readProcStat(pid: number): Promise<{ state: string; startTicks: string } | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const startTicks = fields[19]; // field 22 overall; the slice starts at field 3
  return state && startTicks ? { state, startTicks } : undefined;
}
