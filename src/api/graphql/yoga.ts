import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { createSchema, createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../input-limits.ts";
import { maskUnexpectedErrors } from "./errors.ts";
import { useInputLimits } from "./input-limits-plugin.ts";
import { useLocalGraphiQL } from "./local-graphiql.ts";
import { JSONScalar } from "./json-scalar.ts";
import { createResolvers, type GraphQLDeps } from "./resolvers.ts";
import { typeDefs as generatedTypeDefs } from "./schema.generated.ts";
import { createSubscriptions } from "./subscriptions.ts";
import { createDagRunResolvers } from "./dag-runs.ts";

/** Deepest selection a query may nest (the Workflow -> tasks -> fields path is 3). */
export const MAX_QUERY_DEPTH = 10;
/** graphql-armor's cost: objects cost 2, scalars 1, multiplied by depth. */
export const MAX_QUERY_COST = 5000;

export interface GraphQLOptions extends GraphQLDeps {
  /** The SDL; the generated copy of `schema.graphql` by default (the Node entry reads the file). */
  typeDefs?: string;
  /**
   * BATON_GRAPHIQL: a browser's `GET /graphql` is redirected to the console's
   * local GraphiQL (`/graphiql`). Yoga's own page is never served: it loads its assets from a CDN.
   */
  graphiql?: boolean;
  /** More yoga plugins (authorisation per operation, src/api/auth/graphql-access.ts). */
  plugins?: Plugin[];
  logError?: (error: unknown) => void;
  statsIntervalMs?: number;
  /** Document tokens and nesting, variables' nesting, search query size (BATON_MAX_*). */
  limits?: InputLimits;
}

export type BatonGraphQL = YogaServerInstance<Record<string, unknown>, Record<string, unknown>>;

/** Every resolver of the schema, by type (the drift test compares these with `schema.graphql`). */
export function batonResolvers(deps: GraphQLDeps, options: { statsIntervalMs?: number } = {}) {
  const { Query, Mutation, WorkflowDef } = createResolvers(deps);
  const dagRuns = createDagRunResolvers(deps.engine);
  return {
    JSON: JSONScalar,
    Query: { ...Query, ...dagRuns.Query },
    Mutation,
    Subscription: { ...createSubscriptions(deps.engine, options), ...dagRuns.Subscription },
    DagRun: dagRuns.DagRun,
    WorkflowDef,
  };
}

/**
 * Baton's GraphQL server (graphql-yoga): a portable `fetch` for `/graphql`,
 * queries, mutations and SSE subscriptions; runtimes bind graphql-ws to it.
 */
export function createGraphQL({
  engine,
  router,
  typeDefs = generatedTypeDefs,
  graphiql = false,
  plugins = [],
  logError = (error) => console.error(error),
  statsIntervalMs,
  limits = DEFAULT_INPUT_LIMITS,
}: GraphQLOptions): BatonGraphQL {
  return createYoga({
    graphqlEndpoint: "/graphql",
    schema: createSchema({ typeDefs, resolvers: batonResolvers({ engine, router, searchQueryLimits: limits.searchQuery }, { statsIntervalMs }) }),
    graphiql: false,
    landingPage: false,
    // CORS is the app's (BATON_CORS_ORIGINS, src/api/auth/auth.ts); yoga's own would reflect any origin.
    cors: false,
    maskedErrors: { maskError: maskUnexpectedErrors(logError) },
    logging: false,
    plugins: [
      ...(graphiql ? [useLocalGraphiQL()] : []),
      useInputLimits(limits),
      // exposeLimits: the error says the limit and what the query reached.
      maxDepthPlugin({ n: MAX_QUERY_DEPTH, exposeLimits: true }),
      costLimitPlugin({ maxCost: MAX_QUERY_COST, exposeLimits: true }),
      ...plugins,
    ],
  });
}
