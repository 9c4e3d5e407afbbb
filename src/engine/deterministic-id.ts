/**
 * A UUID-shaped id derived from `name` (SHA-1, version-5 layout), so a replayed
 * or retried effect names the same thing twice: a sub-workflow started again
 * for the same task attempt gets the same id, and its start is a no-op.
 */
export async function deterministicId(name: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(`baton:${name}`)));
  digest[6] = (digest[6]! & 0x0f) | 0x50;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = [...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The id of the event a command appends at `revision`: the command's own UUID
 * with `revision` added to its last 32 bits. Cheap (no hashing on the hot
 * path), stable when the same append is re-sent, and distinct per revision.
 */
export function eventId(commandId: string, revision: number): string {
  const head = commandId.slice(0, 28);
  const tail = (Number.parseInt(commandId.slice(28), 16) + revision) >>> 0;
  return `${head}${tail.toString(16).padStart(8, "0")}`;
}
