import type { Client } from "graphql-ws";

/** Collects a subscription's payloads (data or errors) until `done` says so or it ends. */
export function collectSubscription(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  done: (items: any[]) => boolean = () => false,
) {
  const items: any[] = [];
  let stop = () => {};
  const finished = new Promise<any[]>((resolve, reject) => {
    stop = client.subscribe(
      { query, variables },
      {
        next: (result) => {
          items.push(result.errors ? { errors: result.errors } : result.data);
          if (done(items)) {
            stop();
            resolve(items);
          }
        },
        error: (error) => {
          const close = error as { code?: number; reason?: string };
          reject(error instanceof Error ? error : new Error(close.code ? `closed ${close.code} ${close.reason}` : JSON.stringify(error)));
        },
        complete: () => resolve(items),
      },
    );
  });
  return { finished, items, stop: () => stop() };
}
