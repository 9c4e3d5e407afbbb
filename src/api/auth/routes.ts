/**
 * `POST /api/token` (the Conductor/Orkes SDKs' `{keyId, keySecret}` -> `{token}`)
 * and the admin key endpoints `POST/GET /api/admin/keys`,
 * `DELETE /api/admin/keys/{keyId}`. Secrets and tokens are never logged.
 */
import { type Context, Hono } from "hono";
import * as v from "valibot";
import { type ApiKey, CreateApiKeyRequestSchema } from "../../domain/api-keys/api-key.ts";
import { emptyOk, restSource, validBody } from "../rest/request.ts";
import { createFailureLimiter, type FailureLimit } from "./failure-limiter.ts";
import type { AuthEnginePort, SecretHasher } from "./ports.ts";
import { refuse } from "./responses.ts";
import type { TokenSigner } from "./tokens.ts";

export const TokenRequestSchema = v.object({
  keyId: v.string("keyId: expected a string"),
  keySecret: v.string("keySecret: expected a string"),
});

/** A key as listed: never its hash. */
export const keyView = ({ keyId, name, role, taskTypes, createdAt, revokedAt }: ApiKey) => ({
  keyId,
  name,
  role,
  taskTypes,
  createdAt,
  ...(revokedAt !== undefined ? { revokedAt } : {}),
});

export function tokenRoutes({
  signer,
  hasher,
  engine,
  clientAddress,
  failureLimit,
  clock,
}: {
  signer: TokenSigner;
  hasher: SecretHasher;
  engine: AuthEnginePort;
  clientAddress: (c: Context) => string;
  failureLimit: FailureLimit;
  clock?: () => number;
}) {
  const app = new Hono();
  const limiter = createFailureLimiter(failureLimit, clock);
  /** A hash to check unknown key ids against, so they take as long as known ones. */
  let decoy: ReturnType<SecretHasher["hash"]> | undefined;
  app.post("/", async (c) => {
    const address = clientAddress(c);
    const wait = limiter.retryAfterMs(address);
    if (wait > 0) {
      c.header("Retry-After", String(Math.ceil(wait / 1000)));
      return refuse(c, 429, `Too many failed token requests from this address; try again in ${Math.ceil(wait / 1000)} s`);
    }
    const { keyId, keySecret } = await validBody(c, TokenRequestSchema, "token request");
    const key = engine.apiKey(keyId);
    decoy ??= hasher.hash(hasher.newSecret());
    const matches = await hasher.verify(keySecret, key?.secretHash ?? (await decoy));
    if (!key || !matches || key.revokedAt !== undefined) {
      limiter.recordFailure(address);
      // One answer for an unknown key, a wrong secret and a revoked key: none tells which.
      return refuse(c, 401, "Invalid keyId or keySecret", "INVALID_TOKEN");
    }
    return c.json({ token: await signer.issue(key.keyId) });
  });
  return app;
}

/** Key management for admins (the CLI's `keys` commands do the same on a stopped server's DATA_DIR). */
export function keyRoutes({ hasher, engine }: { hasher: SecretHasher; engine: AuthEnginePort }) {
  const app = new Hono();
  app.post("/", async (c) => {
    const request = await validBody(c, CreateApiKeyRequestSchema, "API key");
    const created = await createKey(engine, hasher, request, restSource(c));
    return c.json(created, 201);
  });
  app.get("/", (c) => c.json(engine.listApiKeys().map(keyView)));
  app.delete("/:keyId", async (c) => {
    await engine.revokeApiKey(c.req.param("keyId"), restSource(c));
    return emptyOk(c);
  });
  return app;
}

/** Makes a key: a fresh id and secret, the secret's hash stored; answers the secret this once. */
export async function createKey(
  engine: Pick<AuthEnginePort, "createApiKey">,
  hasher: SecretHasher,
  request: v.InferOutput<typeof CreateApiKeyRequestSchema>,
  source: Parameters<AuthEnginePort["createApiKey"]>[1],
) {
  const keySecret = hasher.newSecret();
  const key = await engine.createApiKey({ type: "CreateApiKey", keyId: hasher.newKeyId(), secretHash: await hasher.hash(keySecret), ...request }, source);
  return { ...keyView(key), keySecret };
}
