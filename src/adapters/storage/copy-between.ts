import { NotFoundError } from "../../domain/errors.ts";
import type { ObjectInfo, ObjectStore } from "../../domain/ports.ts";
import { isMd5Etag } from "./object-keys.ts";

/** A copy whose target does not match its source; the target has been deleted. */
export class CopyVerificationError extends Error {
  override readonly name = "CopyVerificationError";
}

/**
 * Streams `key` from `source` into `target` (as `targetKey`, default the same
 * key) without holding the whole object in memory, then checks the target's
 * size, and its etag when both sides give single-part MD5 etags. A copy that
 * does not match is deleted and reported, so no store keeps a bad copy.
 */
export async function copyBetween(source: ObjectStore, target: ObjectStore, key: string, targetKey = key): Promise<ObjectInfo> {
  const expected = await source.head(key);
  if (!expected) throw new NotFoundError(`No object '${key}' in the ${source.kind} store (${source.uri(key)})`);
  const written = await target.put(targetKey, await source.get(key), { size: expected.size });
  const actual = (await target.head(targetKey)) ?? written;
  const problem =
    actual.size !== expected.size
      ? `size ${actual.size} != ${expected.size}`
      : isMd5Etag(expected.etag) && isMd5Etag(actual.etag) && expected.etag.toLowerCase() !== actual.etag.toLowerCase()
        ? `etag ${actual.etag} != ${expected.etag}`
        : undefined;
  if (problem) {
    await target.delete(targetKey);
    throw new CopyVerificationError(`Copy of ${source.uri(key)} to ${target.uri(targetKey)} does not match its source: ${problem}`);
  }
  return actual;
}
