/**
 * Which browser origins may call Baton: the server's own, and those listed in
 * BATON_CORS_ORIGINS. A request from any other page is a cross-site request.
 */
export function originAllowed(origin: string | undefined, requestUrl: string, allowed: readonly string[]): boolean {
  if (origin === undefined) return true; // not sent by a browser page (SDKs, curl)
  if (allowed.includes(origin)) return true;
  try {
    return new URL(requestUrl).origin === origin;
  } catch {
    return false;
  }
}
