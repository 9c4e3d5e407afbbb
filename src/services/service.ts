/**
 * The data services of the seed (validators, enricher, reverse lookup, and the
 * Airflow adapters): each consumes its request topic through the Bus port and
 * answers on the completion topic. They run inside Baton on its bus
 * (`BATON_SERVICES`) or as their own process (`npm run worker -- <name>`).
 */
import type { Bus } from "../domain/ports.ts";
import type { ContactDirectory } from "./directory/directory.ts";
import type { LookupMailDomain } from "./email-validator/mail-domain.ts";
import type { ServiceSettings } from "./settings.ts";

export interface ServiceLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What a service is started with; clock and random come in so tests can fix them. */
export interface ServiceContext {
  bus: Bus;
  /** Where completions go: the router's topic (`BATON_ROUTER_TOPIC`, `conductor-events`). */
  completionTopic: string;
  settings: ServiceSettings;
  logger: ServiceLogger;
  clock: () => number;
  /** In [0, 1): draws the fault-rate faults. */
  random: () => number;
  /** Names this process in each completion's `serviceInstance` header (e.g. `host:pid`), so scale-out can be seen. */
  instance?: string;
  /** Adapters in place of the defaults (tests: no DNS, a fixed directory). */
  adapters?: ServiceAdapters;
}

export interface ServiceAdapters {
  lookupMailDomain?: LookupMailDomain;
  directory?: ContactDirectory;
}

/** A started service; `close` stops consuming after the request in hand. */
export interface RunningService {
  name: string;
  topics: string[];
  close(): Promise<void>;
}

/** One entry of the service registry (src/services/registry.ts). */
export interface ServiceEntry {
  name: string;
  /** The topic it consumes, for the README and the worker's start-up line. */
  requestTopic: string;
  summary: string;
  start(context: ServiceContext): Promise<RunningService>;
}
