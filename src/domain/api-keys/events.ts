import type { ApiKeyRole, SecretHash } from "./api-key.ts";

export interface ApiKeyCreated {
  type: "ApiKeyCreated";
  data: { keyId: string; name: string; role: ApiKeyRole; taskTypes: string[]; secretHash: SecretHash; time: number };
}

export interface ApiKeyRevoked {
  type: "ApiKeyRevoked";
  data: { keyId: string; time: number };
}

export type ApiKeyEvent = ApiKeyCreated | ApiKeyRevoked;
