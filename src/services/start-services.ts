/** Starting the named services together, and closing them together. */
import type { ServiceName } from "./names.ts";
import { SERVICES } from "./registry.ts";
import type { RunningService, ServiceContext } from "./service.ts";

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
