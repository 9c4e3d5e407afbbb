import { useCallback, useEffect, useRef, useState } from "react";
import { gql, onSocketConnected, subscribe } from "./api.ts";

export interface QueryState<T> {
  data?: T;
  error?: string;
  loading: boolean;
  refetch: () => void;
}

/** Runs `query` now and whenever `variables` change; `refetch` runs it again (the last answer wins). */
export function useQuery<T>(query: string, variables: Record<string, unknown> = {}, skip = false): QueryState<T> {
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: !skip });
  const generation = useRef(0);
  const run = useCallback(() => {
    if (skip) return;
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    gql<T>(query, JSON.parse(key) as Record<string, unknown>).then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (error: unknown) => mine === generation.current && setState((s) => ({ ...s, error: String(error instanceof Error ? error.message : error), loading: false })),
    );
  }, [query, key, skip]);
  useEffect(run, [run]);
  return { ...state, refetch: run };
}

/**
 * Keeps a subscription open while the component is mounted (and re-opens it when
 * `variables` change). `onConnected` runs each time the socket is acknowledged
 * with the subscription on it (a page refetches then: what changed before is
 * not sent). Says whether the subscription is live.
 */
export function useSubscription<T>(query: string, variables: Record<string, unknown>, onData: (data: T) => void, skip = false, onConnected?: () => void): boolean {
  const key = JSON.stringify(variables);
  const handler = useRef(onData);
  handler.current = onData;
  const connected = useRef(onConnected);
  connected.current = onConnected;
  const [live, setLive] = useState(false);
  useEffect(() => {
    if (skip) return;
    const unsubscribe = subscribe<T>(query, JSON.parse(key) as Record<string, unknown>, (data) => handler.current(data));
    const stop = onSocketConnected(() => {
      setLive(true);
      connected.current?.();
    });
    return () => {
      stop();
      unsubscribe();
      setLive(false);
    };
  }, [query, key, skip]);
  return live;
}

/** Calls `fn` at most once per `ms` (trailing), for refetches driven by bursts of events. */
export function useThrottled(fn: () => void, ms: number): () => void {
  const latest = useRef(fn);
  latest.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      latest.current();
    }, ms);
  }, [ms]);
}

export const formatTime = (ms: number | null | undefined): string => (ms ? new Date(ms).toLocaleString() : "");
export const json = (value: unknown): string => JSON.stringify(value ?? null, null, 2);
