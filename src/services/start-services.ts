/** Starting the named services together, and closing them together. */
import { SERVICE_NAMES, type ServiceName } from "./names.ts";
import { SERVICES } from "./registry.ts";
import type { RunningService, ServiceContext } from "./service.ts";

/**
 * The services Baton runs in its own process: those `BATON_SERVICES` names, or
 * when it is unset every one on the in-process bus (so the seed's workflows
 * complete on `npm start` alone) and none on Kafka (where they run as their own
 * processes, `npm run worker`, and Baton should not consume their topics unasked).
 */
export function inProcessServices(config: { BATON_SERVICES?: ServiceName[]; BATON_BUS: "memory" | "kafka" }): ServiceName[] {
  return config.BATON_SERVICES ?? (config.BATON_BUS === "memory" ? [...SERVICE_NAMES] : []);
}

export interface RunningServices {
  services: RunningService[];
  close(): Promise<void>;
}

/**
 * Starts each named service on `context.bus`; resolves once each consumes its
 * topic. If one fails to start, those already started are closed and the error
 * is thrown.
 */
export async function startServices(names: readonly ServiceName[], context: ServiceContext): Promise<RunningServices> {
  const services: RunningService[] = [];
  const close = async () => {
    await Promise.all(services.splice(0).map((service) => service.close()));
  };
  try {
    for (const name of names) services.push(await SERVICES[name].start(context));
  } catch (error) {
    await close();
    throw error;
  }
  return { services, close };
}
