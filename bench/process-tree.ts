/**
 * CPU and resident memory of whole process trees, from /proc (Linux): a server
 * measured with its children (PostgreSQL's postmaster and its backends, a
 * wrapper's child), so one figure covers everything the server costs.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { readCpuMs, readMemory } from "./soak-server.ts";

/** The pids of `root` and all its live descendants. */
export function treePids(root: number): number[] {
  const pids: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    pids.push(pid);
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // the process ended meanwhile
    }
    for (const tid of tids) {
      try {
        const children = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
        if (children) queue.push(...children.split(" ").map(Number));
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return pids;
}

/** Clock ticks of a process's reaped children (cutime + cstime), ms. */
function reapedChildrenCpuMs(pid: number, ticksPerSecond: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/**
 * CPU used so far by the trees under `roots`, ms: every live process's own time
 * plus the time of children it already reaped (PostgreSQL backends that ended),
 * which the kernel adds to the parent only once they are gone, so nothing counts twice.
 */
export function treeCpuMs(roots: number[]): number {
  let total = 0;
  for (const root of roots) {
    for (const pid of treePids(root)) {
      const own = readCpuMs(pid) ?? 0;
      total += own + reapedChildrenCpuMs(pid, ticksPerSecond());
    }
  }
  return total;
}

let ticks: number | undefined;
function ticksPerSecond(): number {
  ticks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  return ticks;
}

/**
 * Memory of the trees under `roots` now, MiB: the sum of each process's
 * proportional set size (PSS: its resident pages, a page shared by n processes
 * counting 1/n), so PostgreSQL's shared buffers count once across its backends.
 * For one process this is its RSS less its share of shared libraries.
 * Falls back to RSS where smaps_rollup is not readable.
 */
export function treeMemoryMiB(roots: number[]): number {
  let kib = 0;
  for (const root of roots) {
    for (const pid of treePids(root)) {
      try {
        const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
        const match = /^Pss:\s+(\d+) kB/m.exec(rollup);
        kib += match ? Number(match[1]) : readMemory(pid).rssKiB;
      } catch {
        // ended meanwhile
      }
    }
  }
  return kib / 1024;
}
