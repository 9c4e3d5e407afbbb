import { ValidationError } from "../../domain/errors.ts";

/**
 * Rejects keys that could escape a store's root or that stores disagree on:
 * empty, absolute, `.`/`..` segments, empty segments, NUL.
 */
export function checkObjectKey(key: string, field = "key"): string {
  const bad =
    key === "" || key.startsWith("/") || key.includes("\0") || key.split("/").some((s, i, all) => s === "." || s === ".." || (s === "" && i < all.length - 1));
  if (bad || key.endsWith("/")) {
    throw new ValidationError(`${field}: '${key}' is not a valid object key (relative, no '.', '..' or empty segments)`, [
      { path: field, message: "expected a relative object key without '.', '..' or empty segments", invalidValue: key },
    ]);
  }
  return key;
}

/** An S3-style etag without its quotes. */
export function bareEtag(etag: string | undefined | null): string | undefined {
  return etag ? etag.replace(/^"+|"+$/g, "") : undefined;
}

/** True for a single-part MD5 etag (32 hex digits), the only kind comparable across stores. */
export function isMd5Etag(etag: string | undefined): etag is string {
  return etag !== undefined && /^[0-9a-f]{32}$/i.test(etag);
}
