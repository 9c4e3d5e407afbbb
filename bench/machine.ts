import { cpus, freemem, loadavg, platform, release, totalmem } from "node:os";

/** What the run was measured on, printed before the figures and kept in the results JSON. */
export function describeMachine() {
  const cpuList = cpus();
  const machine = {
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? "unknown",
    node: process.version,
    platform: `${platform()} ${release()}`,
    totalMemGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    freeMemGiB: Number((freemem() / 2 ** 30).toFixed(1)),
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
  };
  console.log(
    `machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}, ${machine.platform}, ` +
      `${machine.totalMemGiB} GiB RAM, load average ${machine.loadAverage1m} at start`,
  );
  return machine;
}
