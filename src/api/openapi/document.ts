/**
 * The OpenAPI 3.1 description of the REST API: paths from OPERATIONS, request
 * bodies converted from the valibot schemas the routes validate with
 * (`@valibot/to-json-schema`, JSON Schema 2020-12, which OpenAPI 3.1 uses).
 * Checks that cannot be expressed in JSON Schema (trims, transforms, custom
 * checks) are left out of the description; the server still applies them.
 */
import { toJsonSchema, toJsonSchemaDefs } from "@valibot/to-json-schema";
import * as v from "valibot";
import { CreateApiKeyRequestSchema } from "../../domain/api-keys/api-key.ts";
import { RerunWorkflowRequestSchema, SkipTaskRequestSchema, StartWorkflowRequestSchema, TaskResultSchema } from "../../domain/definitions/requests.ts";
import { TaskDefSchema } from "../../domain/definitions/task-def.ts";
import { WorkflowDefSchema, WorkflowTaskSchema } from "../../domain/definitions/workflow-def.ts";
import { WorkflowTestRequestSchema } from "../../domain/definitions/workflow-test-request.ts";
import { EventHandlerSchema } from "../../domain/event-handlers/schema.ts";
import { DeployRequestSchema, RetryRequestSchema } from "../../domain/ingestion/requests.ts";
import { TokenRequestSchema } from "../auth/routes.ts";
import { BATON_VERSION } from "../version.ts";
import { type Operation, OPERATIONS } from "./operations.ts";
import { RESPONSE_SCHEMAS } from "./responses.ts";

/**
 * The request bodies and the responses described from the schemas the routes
 * validate with, by the names OPERATIONS uses (`body`, `response`). A response
 * named here is what the route answers: the definitions it stored, validated
 * on the way in (tests/integration/openapi.test.ts parses real answers with them).
 */
export const SCHEMAS = {
  WorkflowDef: WorkflowDefSchema,
  WorkflowTask: WorkflowTaskSchema,
  TaskDef: TaskDefSchema,
  StartWorkflowRequest: StartWorkflowRequestSchema,
  RerunWorkflowRequest: RerunWorkflowRequestSchema,
  SkipTaskRequest: SkipTaskRequestSchema,
  TaskResult: TaskResultSchema,
  WorkflowTestRequest: WorkflowTestRequestSchema,
  EventHandler: EventHandlerSchema,
  TokenRequest: TokenRequestSchema,
  CreateApiKeyRequest: CreateApiKeyRequestSchema,
  DeployRequest: DeployRequestSchema,
  RetryRequest: RetryRequestSchema,
  WorkflowIds: v.array(v.string()),
  CorrelationIds: v.array(v.string()),
  Names: v.array(v.string()),
  ...RESPONSE_SCHEMAS,
} as const;

/** Conductor's error body, written out: it is a response type, not a validated input. */
const ERROR_RESPONSE = {
  type: "object",
  required: ["status", "message", "retryable"],
  properties: {
    status: { type: "integer" },
    message: { type: "string" },
    instance: { type: "string" },
    retryable: { type: "boolean" },
    validationErrors: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } } },
  },
};

type Json = Record<string, unknown>;

/** `/api/workflow/:id` -> `/api/workflow/{id}`; an optional last parameter gives two paths. */
export function openApiPaths(honoPath: string): string[] {
  const braces = (path: string) => path.replace(/:(\w+)/g, "{$1}");
  const optional = /\/:(\w+)\?$/.exec(honoPath);
  if (!optional) return [braces(honoPath)];
  const without = honoPath.slice(0, optional.index);
  return [braces(without), braces(`${without}/:${optional[1]}`)];
}

function tagOf(path: string): string {
  if (path.startsWith("/api/metadata")) return "metadata";
  if (path.startsWith("/api/workflow/bulk")) return "bulk";
  if (path.startsWith("/api/workflow")) return "workflow";
  if (path.startsWith("/api/tasks")) return "tasks";
  if (path.startsWith("/api/event")) return "event handlers";
  if (path.startsWith("/api/router")) return "event router";
  if (path.startsWith("/api/admin/keys") || path === "/api/token") return "authentication";
  if (path.startsWith("/api/admin") || path.startsWith("/api/queue")) return "admin";
  if (path === "/workflow/deploy" || path === "/retry-workflow") return "ingestion";
  if (path.startsWith("/graphql")) return "graphql";
  return "operations";
}

function bodyRef(body: string): Json {
  const array = /^\[(\w+)\]$/.exec(body);
  const ref = { $ref: `#/components/schemas/${array ? array[1] : body}` };
  return array ? { type: "array", items: ref } : ref;
}

function operationOf(method: string, path: string, operation: Operation): Json {
  const parameters = [
    ...[...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: "path", required: true, schema: { type: "string" } })),
    ...Object.entries(operation.query?.entries ?? {}).map(([name, entry]) => queryParameter(name, entry)),
  ];
  const success =
    operation.produces === "none"
      ? { description: "Done (200 or 204, no body of note)" }
      : operation.produces === "text/plain"
        ? { description: "OK", content: { "text/plain": { schema: operation.response ? bodyRef(operation.response) : { type: "string" } } } }
        : { description: "OK", content: { "application/json": { schema: operation.response ? bodyRef(operation.response) : {} } } };
  return {
    operationId: `${method.toLowerCase()} ${path}`,
    summary: operation.summary,
    tags: [tagOf(path)],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body ? { requestBody: { required: true, content: { "application/json": { schema: bodyRef(operation.body) } } } } : {}),
    responses: {
      [operation.created ? "201" : "200"]: success,
      ...(operation.produces === "none" || operation.maybeEmpty ? { "204": { description: "No content" } } : {}),
      default: { description: "Conductor ErrorResponse (400 validation, 401/403 auth, 404, 409, 413, 503 starting)", content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorResponse" } } } },
    },
  };
}

/** A query parameter from its entry in the route's query schema (src/api/rest/queries.ts). */
function queryParameter(name: string, entry: v.GenericSchema): Json {
  const { $schema: _, description, ...schema } = toJsonSchema(entry, { target: "draft-2020-12", errorMode: "ignore" }) as Json;
  return {
    name,
    in: "query",
    required: false,
    ...(description ? { description } : {}),
    ...(schema.type === "array" ? { style: "form", explode: true } : {}),
    schema,
  };
}

let cached: Json | undefined;

/** The OpenAPI 3.1 document (built once per process). */
export function openApiDocument(): Json {
  if (cached) return cached;
  const schemas = toJsonSchemaDefs(SCHEMAS as unknown as Record<string, v.GenericSchema>, {
    target: "draft-2020-12",
    errorMode: "ignore",
    overrideRef: ({ referenceId }) => `#/components/schemas/${referenceId}`,
  });
  const paths: Record<string, Json> = {};
  for (const [key, operation] of Object.entries(OPERATIONS)) {
    const [method, honoPath] = key.split(" ") as [string, string];
    for (const path of openApiPaths(honoPath)) {
      paths[path] ??= {};
      paths[path][method.toLowerCase()] = operationOf(method, path, operation);
    }
  }
  cached = {
    openapi: "3.1.0",
    info: {
      title: "Baton",
      version: BATON_VERSION,
      description: "Conductor-compatible REST API of Baton, plus its own routes (marked Baton:). Generated from the routes' valibot schemas.",
    },
    servers: [{ url: "/" }],
    security: [{}, { bearer: [] }, { conductorToken: [] }],
    tags: [...new Set(Object.values(paths).flatMap((item) => Object.values(item).map((op) => (op as { tags: string[] }).tags[0]!)))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...schemas, ErrorResponse: ERROR_RESPONSE },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "A token from POST /api/token (with BATON_AUTH=required)" },
        conductorToken: { type: "apiKey", in: "header", name: "X-Authorization", description: "The same token, as Conductor's SDKs send it" },
      },
    },
  };
  return cached;
}
