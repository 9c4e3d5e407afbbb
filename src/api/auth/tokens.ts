/**
 * Access tokens: HS256 JWTs (hono/jwt, Web Crypto, so every runtime signs the
 * same way) naming the key they were issued to. A token is checked against the
 * key's current state on every request, so revoking a key ends its tokens at
 * once and its role is the one the key has now.
 */
import { sign, verify } from "hono/jwt";
import { JwtTokenExpired } from "hono/utils/jwt/types";
import type { AuthEnginePort, Principal } from "./ports.ts";

/** The error codes the official SDKs act on: both refresh the token on EXPIRED_TOKEN, the JS SDK on INVALID_TOKEN too. */
export type TokenError = "EXPIRED_TOKEN" | "INVALID_TOKEN";

export interface TokenSigner {
  issue(keyId: string): Promise<string>;
  /** The key a token speaks for, or why it does not. */
  check(token: string): Promise<{ ok: true; principal: Principal } | { ok: false; error: TokenError; message: string }>;
}

export function createTokenSigner({
  secret,
  ttlSeconds,
  keys,
  clock = Date.now,
}: {
  secret: string;
  ttlSeconds: number;
  keys: Pick<AuthEnginePort, "apiKey">;
  clock?: () => number;
}): TokenSigner {
  const ISSUER = "baton";
  return {
    async issue(keyId) {
      const now = Math.floor(clock() / 1000);
      return sign({ iss: ISSUER, sub: keyId, iat: now, exp: now + ttlSeconds }, secret, "HS256");
    },
    async check(token) {
      let keyId: unknown;
      try {
        // hono/jwt compares exp with the wall clock; the injected clock is checked below too.
        const payload = await verify(token, secret, { alg: "HS256", iss: ISSUER });
        if (typeof payload.exp !== "number" || payload.exp <= Math.floor(clock() / 1000)) {
          return { ok: false, error: "EXPIRED_TOKEN", message: "The token has expired; request a new one from POST /api/token" };
        }
        keyId = payload.sub;
      } catch (error) {
        if (error instanceof JwtTokenExpired) {
          return { ok: false, error: "EXPIRED_TOKEN", message: "The token has expired; request a new one from POST /api/token" };
        }
        return { ok: false, error: "INVALID_TOKEN", message: "The token is not valid (bad signature or format)" };
      }
      const key = typeof keyId === "string" ? keys.apiKey(keyId) : undefined;
      if (!key) return { ok: false, error: "INVALID_TOKEN", message: "The token names an unknown key" };
      if (key.revokedAt !== undefined) return { ok: false, error: "INVALID_TOKEN", message: `Key ${key.keyId} has been revoked` };
      return { ok: true, principal: { keyId: key.keyId, role: key.role, taskTypes: key.taskTypes } };
    },
  };
}
