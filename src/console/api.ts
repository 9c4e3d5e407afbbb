/**
 * The console's only way to Baton: GraphQL over HTTP for queries and
 * mutations, graphql-ws on the same origin for subscriptions. With
 * authentication on, a key is exchanged for a token once (POST /api/token)
 * and the token rides on every request and on the socket's connectionParams.
 */
import { type Client, createClient } from "graphql-ws";

const TOKEN_KEY = "baton.console.token";

/** Baton answered 401: the console must ask for a key. */
export class AuthenticationRequired extends Error {}

let token: string | undefined = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
const authListeners = new Set<() => void>();

export function onAuthenticationRequired(listener: () => void): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

function authenticationRequired(): never {
  for (const listener of authListeners) listener();
  throw new AuthenticationRequired("Baton requires a key");
}

/** Exchanges an API key for a token and keeps it for this browser tab. */
export async function signIn(keyId: string, keySecret: string): Promise<void> {
  const response = await fetch("/api/token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ keyId, keySecret }) });
  const body = (await response.json().catch(() => ({}))) as { token?: string; message?: string };
  if (!response.ok || !body.token) throw new Error(body.message ?? `sign-in failed (${response.status})`);
  token = body.token;
  sessionStorage.setItem(TOKEN_KEY, token);
  // A socket refused for want of a token reconnects with the new one; its closing may reject, which is expected.
  const old = socket;
  socket = undefined;
  void Promise.resolve(old?.dispose()).catch(() => {});
}

const headers = (): Record<string, string> => ({ "content-type": "application/json", ...(token ? { "x-authorization": token } : {}) });

/** Runs one query or mutation; GraphQL errors become one Error with every message. */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch("/graphql", { method: "POST", headers: headers(), body: JSON.stringify({ query, variables }) });
  if (response.status === 401) authenticationRequired();
  const body = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.some((error) => error.extensions?.code === "UNAUTHENTICATED")) authenticationRequired();
  if (body.errors?.length) throw new Error(body.errors.map((error) => error.message).join("; "));
  if (!body.data) throw new Error(`Baton answered ${response.status} without data`);
  return body.data;
}

/** Plain JSON REST call (for the ingestion routes GraphQL does not carry). */
export async function rest<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, { method, headers: headers(), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (response.status === 401) authenticationRequired();
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as T & { message?: string }) : (undefined as T);
  if (!response.ok) throw new Error((parsed as { message?: string } | undefined)?.message ?? `${method} ${path}: ${response.status}`);
  return parsed;
}

let socket: Client | undefined;
let socketOpen = false;
const connectedListeners = new Set<() => void>();

/**
 * Calls `listener` each time the socket is (re)acknowledged, and soon if it
 * already is: events sent while it was down, or before a subscription was
 * registered, are missed, so a page refetches what it shows then.
 */
export function onSocketConnected(listener: () => void): () => void {
  connectedListeners.add(listener);
  if (socketOpen) setTimeout(() => connectedListeners.has(listener) && listener(), 0);
  return () => connectedListeners.delete(listener);
}

function client(): Client {
  socket ??= createClient({
    url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`,
    connectionParams: () => (token ? { token } : {}),
    retryAttempts: Infinity,
    shouldRetry: () => true,
    // Baton restarting should not leave the page dark for long: retry every second or two.
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(2000, 250 * 2 ** retries))),
    lazy: true,
    on: {
      connected: () => {
        socketOpen = true;
        // After this subscription's own subscribe message has gone out on the socket.
        setTimeout(() => {
          for (const listener of connectedListeners) listener();
        }, 50);
      },
      closed: () => {
        socketOpen = false;
      },
    },
  });
  return socket;
}

/** Subscribes to one operation; returns the unsubscribe function. */
export function subscribe<T>(query: string, variables: Record<string, unknown>, onData: (data: T) => void, onError?: (error: unknown) => void): () => void {
  return client().subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.data) onData(result.data as T);
      },
      error: (error) => onError?.(error),
      complete: () => {},
    },
  );
}
