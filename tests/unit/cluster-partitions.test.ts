import { describe, expect, it } from "vitest";
import { liveMembers } from "../../src/domain/cluster/membership.ts";
import { ownerOf, partitionOf, partitionsOwnedBy } from "../../src/domain/cluster/partitions.ts";

const ids = Array.from({ length: 20_000 }, (_, n) => `${n.toString(16).padStart(8, "0")}-4a1b-8c2d-9e3f-${(n * 7919).toString(16).padStart(12, "0")}`);

describe("partitions", () => {
  it("puts a workflow in the same partition every time, within range, spread evenly", () => {
    const counts = new Array<number>(64).fill(0);
    for (const id of ids) {
      const partition = partitionOf(id, 64);
      expect(partitionOf(id, 64)).toBe(partition);
      counts[partition]!++;
    }
    // 20,000 ids over 64 partitions: about 312 each; none empty or doubled.
    expect(Math.min(...counts)).toBeGreaterThan(200);
    expect(Math.max(...counts)).toBeLessThan(430);
  });

  it("gives every partition exactly one live member, in fair shares", () => {
    const members = ["baton-a", "baton-b", "baton-c"];
    const shares = members.map((member) => partitionsOwnedBy(member, members, 64));
    const all = shares.flatMap((share) => [...share]).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 64 }, (_, p) => p));
    for (const share of shares) expect(share.size).toBeGreaterThan(10);
  });

  it("moves only the partitions of a member that leaves, and every member computes the same owners", () => {
    const before = ["n1", "n2", "n3"];
    const after = ["n1", "n3"];
    for (let partition = 0; partition < 64; partition++) {
      const was = ownerOf(partition, before);
      const is = ownerOf(partition, after);
      if (was !== "n2") expect(is).toBe(was);
      else expect(after).toContain(is);
      // The order members are listed in does not matter.
      expect(ownerOf(partition, [...before].reverse())).toBe(was);
    }
    expect(ownerOf(0, [])).toBeUndefined();
  });
});

describe("live members", () => {
  const beat = (member: string, created: number) => ({ type: "MemberHeartbeat", data: { member }, created });
  it("counts a member live while its newest heartbeat is younger than the takeover time", () => {
    const newestFirst = [beat("a", 10_000), beat("b", 9_500), beat("c", 4_000), beat("b", 3_000)];
    expect(liveMembers(newestFirst, 10_000, 5_000)).toEqual(["a", "b"]);
    expect(liveMembers(newestFirst, 10_000, 7_000)).toEqual(["a", "b", "c"]);
  });

  it("drops a member at once when its newest event says it left, and ignores malformed events", () => {
    const newestFirst = [
      { type: "MemberLeft", data: { member: "b" }, created: 9_900 },
      beat("a", 9_800),
      beat("b", 9_700),
      { type: "MemberHeartbeat", data: { member: 7 }, created: 9_950 },
      { type: "MemberHeartbeat", data: null, created: 9_950 },
    ];
    expect(liveMembers(newestFirst, 10_000, 5_000)).toEqual(["a"]);
  });
});
