/**
 * Hono's WebSocket helper for workerd (WebSocketPair), for graphql-ws on
 * `/graphql`. Unlike `hono/cloudflare-workers`' own (deprecated) helper it
 * reports the open (a workerd server socket is open once accepted and fires no
 * `open` event, so graphql-ws would never see the connection) and answers with
 * the subprotocol the route chose (clients drop a socket whose server chose none).
 */
import { defineWebSocketHelper, WSContext } from "hono/ws";

/** workerd's server-side socket, as far as this helper uses it. */
interface WorkerdSocket {
  accept(): void;
  send(data: string | ArrayBuffer | Uint8Array): void;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
  readonly protocol?: string;
  addEventListener(type: "message" | "close" | "error", listener: (event: never) => void): void;
}

declare const WebSocketPair: { new (): { 0: unknown; 1: WorkerdSocket } };

export const upgradeWebSocket = defineWebSocketHelper<WorkerdSocket, { protocol?: string }>((c, events, options) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return;
  const pair = new WebSocketPair();
  const server = pair[1];
  const ws = new WSContext<WorkerdSocket>({
    send: (data) => server.send(data as string | ArrayBuffer | Uint8Array),
    close: (code, reason) => server.close(code, reason),
    raw: server,
    get readyState() {
      return server.readyState as 0 | 1 | 2 | 3;
    },
    get protocol() {
      return options?.protocol ?? server.protocol ?? null;
    },
    url: new URL(c.req.url),
  });
  server.addEventListener("message", (event: MessageEvent) => events.onMessage?.(event as never, ws));
  server.addEventListener("close", (event: CloseEvent) => events.onClose?.(event, ws));
  server.addEventListener("error", (event: Event) => events.onError?.(event, ws));
  server.accept();
  events.onOpen?.(new Event("open"), ws);
  const headers = options?.protocol ? { "sec-websocket-protocol": options.protocol } : undefined;
  return new Response(null, { status: 101, headers, webSocket: pair[0] } as ResponseInit);
});
