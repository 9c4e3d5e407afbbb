/**
 * Authentication, authorisation and browser safety, assembled once per
 * process from the configuration and wired into the app by `createApp`
 * (REST and GraphQL over HTTP), yoga (per-operation roles) and graphql-ws
 * (the token in connectionParams).
 */
import type { Context, Hono } from "hono";
import { cors } from "hono/cors";
import type { Plugin } from "graphql-yoga";
import { latestAttempt } from "../../domain/workflow/state.ts";
import type { Engine } from "../../engine/engine.ts";
import { registerAccessControl } from "./access.ts";
import { browserSafety } from "./browser-safety.ts";
import { DEFAULT_FAILURE_LIMIT, type FailureLimit } from "./failure-limiter.ts";
import { graphqlAccessPlugin, graphqlWsAuthenticator } from "./graphql-access.ts";
import { originAllowed } from "./origins.ts";
import type { AuthEnginePort, SecretHasher } from "./ports.ts";
import { keyRoutes, tokenRoutes } from "./routes.ts";
import { createTokenSigner, type TokenSigner } from "./tokens.ts";

export interface AuthSettings {
  /** `off`: every route is open (local use); `required`: every route but the public ones needs a token. */
  mode: "off" | "required";
  /** The HMAC secret tokens are signed with (required with `required`). */
  signingSecret?: string;
  tokenTtlSeconds?: number;
  /** Browser origins allowed to call Baton cross-site (BATON_CORS_ORIGINS); none by default. */
  corsOrigins?: readonly string[];
  /** Makes and checks secrets; without it neither tokens nor keys can be made (the workerd entry). */
  hasher?: SecretHasher;
  /** The address a request came from, for the failed-token-request limit. */
  clientAddress?: (c: Context) => string;
  failureLimit?: FailureLimit;
  clock?: () => number;
}

export interface Auth {
  readonly required: boolean;
  readonly corsOrigins: readonly string[];
  /** yoga plugin: roles per GraphQL operation. */
  readonly graphqlPlugin: Plugin;
  /** graphql-ws `onConnect`: false refuses the connection. */
  readonly onGraphQLWsConnect: ReturnType<typeof graphqlWsAuthenticator>;
  /** Whether a WebSocket upgrade from `origin` to `requestUrl` may go on. */
  originAllowed(origin: string | undefined, requestUrl: string): boolean;
  /** CORS, browser safety, the access check, `/api/token` and `/api/admin/keys`, ahead of every other route. */
  register(app: Hono): void;
  readonly signer?: TokenSigner;
}

export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

/** What authentication reads from the engine. */
export function authPortOf(engine: Engine): AuthEnginePort {
  return {
    apiKey: engine.apiKey,
    listApiKeys: engine.listApiKeys,
    createApiKey: engine.createApiKey,
    revokeApiKey: engine.revokeApiKey,
    taskTypeOf(taskId) {
      try {
        return engine.getTask(taskId).task.taskType;
      } catch {
        return undefined;
      }
    },
    async taskTypeByRef(workflowId, taskRefName) {
      const workflow = await engine.loadWorkflow(workflowId).catch(() => undefined);
      return workflow ? latestAttempt(workflow, taskRefName)?.taskType : undefined;
    },
  };
}

export function createAuth(settings: AuthSettings, engine: AuthEnginePort): Auth {
  const required = settings.mode === "required";
  const corsOrigins = settings.corsOrigins ?? [];
  if (required && !settings.signingSecret) throw new Error("authentication is required but no token signing secret was given");
  if (required && !settings.hasher) throw new Error("authentication is required but this runtime gave no secret hasher");
  const signer = required
    ? createTokenSigner({ secret: settings.signingSecret!, ttlSeconds: settings.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS, keys: engine, clock: settings.clock })
    : undefined;
  return {
    required,
    corsOrigins,
    signer,
    graphqlPlugin: graphqlAccessPlugin(required),
    onGraphQLWsConnect: graphqlWsAuthenticator(required, signer),
    originAllowed: (origin, requestUrl) => originAllowed(origin, requestUrl, corsOrigins),
    register(app) {
      if (corsOrigins.length > 0) {
        app.use(
          "*",
          cors({
            origin: (origin) => (corsOrigins.includes(origin) ? origin : null),
            allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
            allowHeaders: ["Content-Type", "X-Authorization", "Authorization"],
            // Tokens travel in headers, never cookies: credentials are never allowed.
            credentials: false,
            maxAge: 600,
          }),
        );
      }
      app.use("*", browserSafety(corsOrigins));
      if (signer) registerAccessControl(app, { signer, engine });
      const hasher = settings.hasher;
      if (signer && hasher) {
        app.route(
          "/api/token",
          tokenRoutes({
            signer,
            hasher,
            engine,
            clientAddress: settings.clientAddress ?? (() => "unknown"),
            failureLimit: settings.failureLimit ?? DEFAULT_FAILURE_LIMIT,
            clock: settings.clock,
          }),
        );
      }
      // Only with authentication on: keys made through an open server would outlive the day it is closed.
      if (signer && hasher) app.route("/api/admin/keys", keyRoutes({ hasher, engine }));
    },
  };
}
