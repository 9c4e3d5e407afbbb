/**
 * Access tokens: HS256 JWTs (hono/jwt, Web Crypto, so every runtime signs the
 * same way) naming the key they were issued to. A token is checked against the
 * key's current state on every request, so revoking a key ends its tokens at
 * once and its role is the one the key has now.
 */
import { sign, verify } from "hono/jwt";
import { JwtTokenExpired } from "hono/utils/jwt/types";
import { createLruCache } from "../../engine/lru-cache.ts";
import type { AuthEnginePort, Principal } from "./ports.ts";

/** Tokens whose signature was checked, remembered so each request does not import the key and compute an HMAC again. */
const VERIFIED_TOKENS = 10_000;

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
  const verified = createLruCache<string, { keyId: unknown; exp: unknown }>(VERIFIED_TOKENS);
  const expired = { ok: false as const, error: "EXPIRED_TOKEN" as const, message: "The token has expired; request a new one from POST /api/token" };
  return {
    async issue(keyId) {
      const now = Math.floor(clock() / 1000);
      return sign({ iss: ISSUER, sub: keyId, iat: now, exp: now + ttlSeconds }, secret, "HS256");
    },
    async check(token) {
      let claims = verified.get(token);
      if (!claims) {
        try {
          const payload = await verify(token, secret, { alg: "HS256", iss: ISSUER });
          claims = { keyId: payload.sub, exp: payload.exp };
          verified.set(token, claims);
        } catch (error) {
          if (error instanceof JwtTokenExpired) return expired;
          return { ok: false, error: "INVALID_TOKEN", message: "The token is not valid (bad signature or format)" };
        }
      }
      // hono/jwt compares exp with the wall clock once; a remembered token is checked against the clock on every use.
      if (typeof claims.exp !== "number" || claims.exp <= Math.floor(clock() / 1000)) return expired;
      const keyId = claims.keyId;
      const key = typeof keyId === "string" ? keys.apiKey(keyId) : undefined;
      if (!key) return { ok: false, error: "INVALID_TOKEN", message: "The token names an unknown key" };
      if (key.revokedAt !== undefined) return { ok: false, error: "INVALID_TOKEN", message: `Key ${key.keyId} has been revoked` };
      return { ok: true, principal: { keyId: key.keyId, role: key.role, taskTypes: key.taskTypes } };
    },
  };
}
