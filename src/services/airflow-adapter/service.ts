/**
 * The seed's airflow-adapter: requests on `airflow-trigger-requests`
 * (`BATON_DAG_TRIGGER_TOPIC`) naming `data.dag_id` become DAG runs handed to
 * the monitor. Its subscriber is the one Baton's bridge uses when it consumes
 * the topic itself, so workers and Baton share the topic's partitions.
 */
import { TRIGGER_SUBSCRIBER } from "../../engine/dagruns/trigger-requests.ts";
import type { DagRequestService } from "../dag-requests.ts";

export const airflowAdapter = (topic: string): DagRequestService => ({ name: "airflow-adapter", topic, subscriber: TRIGGER_SUBSCRIBER });
