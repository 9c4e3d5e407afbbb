/**
 * A call to Airflow that did not work. `transient` says whether the same call
 * may work later (network errors, 5xx, 429, 408), so callers retry those and
 * give up at once on the rest (bad DAG id, refused credentials).
 */
export class AirflowCallError extends Error {
  override readonly name = "AirflowCallError";
  constructor(
    message: string,
    readonly transient: boolean,
    /** The HTTP status Airflow answered, when it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Whether an HTTP status from Airflow is worth another try. */
export const isTransientStatus = (status: number) => status >= 500 || status === 429 || status === 408;
