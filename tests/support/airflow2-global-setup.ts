/**
 * vitest globalSetup of the `airflow2` project: what the `airflow` project's
 * setup starts (versitygw with the test buckets, an Airflow standalone with the
 * test DAGs), with Airflow 2.10 (`/api/v1`, basic auth) instead of Airflow 3.
 * `npm test` runs this project after the others, so the two Airflows never
 * share the machine's cores.
 */
import type { TestProject } from "vitest/node";
import { setupAirflow } from "./airflow-global-setup.ts";

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupAirflow(project, 2);
}
