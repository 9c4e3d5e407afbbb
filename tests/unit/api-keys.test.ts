import { describe, expect, it } from "vitest";
import * as v from "valibot";
import { createScryptHasher } from "../../src/api/auth/secret-hash.ts";
import { CreateApiKeyRequestSchema, type SecretHash } from "../../src/domain/api-keys/api-key.ts";
import { apiKeyDecider } from "../../src/domain/api-keys/decider.ts";
import type { ApiKeyEvent } from "../../src/domain/api-keys/events.ts";
import { ConflictError, NotFoundError, ValidationError } from "../../src/domain/errors.ts";
import { apiKeyProjection } from "../../src/projections/api-keys.ts";
import { applyEvent, createReadModels } from "../../src/projections/read-models.ts";
import { apiKeyCategory, defaultStreamRegistry } from "../../src/projections/stream-categories.ts";
import { specFor } from "../support/spec-for.ts";

const hash: SecretHash = { algorithm: "scrypt", cost: 1024, blockSize: 8, parallelization: 1, keyLength: 32, salt: "c2FsdA", hash: "aGFzaA" };
const created: ApiKeyEvent = {
  type: "ApiKeyCreated",
  data: { keyId: "key-0001", name: "ci", role: "worker", taskTypes: ["resize"], secretHash: hash, time: 1000 },
};
const spec = specFor(apiKeyDecider, () => ({ now: 5000 }));

describe("API key decider", () => {
  it("creates a key with the hash it is given, at the context's time", () => {
    spec
      .given([])
      .when({ type: "CreateApiKey", keyId: "key-0001", name: "ci", role: "worker", taskTypes: ["resize"], secretHash: hash })
      .then([{ ...created, data: { ...created.data, time: 5000 } }]);
  });

  it("refuses a taken key id and an id that cannot be a stream name", () => {
    spec.given([created]).when({ type: "CreateApiKey", keyId: "key-0001", name: "x", role: "admin", taskTypes: [], secretHash: hash }).thenThrows(ConflictError, /key-0001 already exists/);
    spec.given([]).when({ type: "CreateApiKey", keyId: "a/b", name: "x", role: "admin", taskTypes: [], secretHash: hash }).thenThrows(ValidationError, /keyId/);
  });

  it("revokes once; a second revoke changes nothing; an unknown key is not found", () => {
    const state = spec.given([created]).when({ type: "RevokeApiKey", keyId: "key-0001" }).then([{ type: "ApiKeyRevoked", data: { keyId: "key-0001", time: 5000 } }]);
    expect(state.key?.revokedAt).toBe(5000);
    spec.given([created, { type: "ApiKeyRevoked", data: { keyId: "key-0001", time: 2000 } }]).when({ type: "RevokeApiKey", keyId: "key-0001" }).thenNothing();
    spec.given([]).when({ type: "RevokeApiKey", keyId: "nope-0001" }).thenThrows(NotFoundError, /No API key nope-0001/);
  });

  it("is a registered category whose projection the read models fold", () => {
    expect(defaultStreamRegistry.categoryOf("apikey-key-0001")).toEqual({ category: apiKeyCategory, key: "key-0001" });
    const models = createReadModels();
    const recorded = (event: ApiKeyEvent, position: number) => ({ ...event, id: `e${position}`, streamId: "apikey-key-0001", revision: position, position, metadata: {}, recordedAt: 0 });
    applyEvent(models, recorded(created, 0) as never);
    expect(models.apiKeys.get("key-0001")).toMatchObject({ role: "worker", taskTypes: ["resize"], createdAt: 1000 });
    applyEvent(models, recorded({ type: "ApiKeyRevoked", data: { keyId: "key-0001", time: 2000 } }, 1) as never);
    expect(models.apiKeys.get("key-0001")?.revokedAt).toBe(2000);
    expect(apiKeyProjection.create().apiKeys.size).toBe(0);
  });
});

describe("API key requests and secrets", () => {
  it("names the field and what was expected", () => {
    const issues = (input: unknown) => v.safeParse(CreateApiKeyRequestSchema, input).issues?.map((issue) => issue.message);
    expect(issues({ name: "a", role: "owner" })).toEqual(["role: expected one of admin, worker, reader"]);
    expect(issues({ name: " ", role: "admin" })).toEqual(["name: expected a non-empty name"]);
    expect(issues({ name: "a", role: "reader", taskTypes: ["x"] })).toEqual(["taskTypes: only worker keys are limited to task types"]);
    expect(v.parse(CreateApiKeyRequestSchema, { name: "w", role: "worker" })).toEqual({ name: "w", role: "worker", taskTypes: [] });
  });

  it("hashes secrets with a fresh salt and checks them against the hash only", async () => {
    const hasher = createScryptHasher({ cost: 1024 });
    const secret = hasher.newSecret();
    const first = await hasher.hash(secret);
    const second = await hasher.hash(secret);
    expect(first.salt).not.toBe(second.salt);
    expect(first.hash).not.toBe(second.hash);
    expect(JSON.stringify(first)).not.toContain(secret);
    expect(await hasher.verify(secret, first)).toBe(true);
    expect(await hasher.verify(`${secret}x`, first)).toBe(false);
    expect(hasher.newKeyId()).toMatch(/^[0-9a-f-]{36}$/);
  });
});
