"""email_hygiene: normalises, validates and de-duplicates email addresses.

Syntax by the email-validator library (no DNS: deliverability is the
email-validator service's job); every input address gets one record, `valid`,
`invalid` or `duplicate` (an address equal, after normalisation, to an earlier
one). Reads conf.s3_input_uri (a CSV with an `email` column, or one address a
line) and writes the seed's files, the names and fields Baton's local DAG
writes (src/adapters/airflow/seed-dags/files.ts):
`<prefix>/email_hygiene.out` (JSON lines: input, email, status) and
`<prefix>/Email_Hygiene_Stats.jsonl`. conf.fail = true fails the run on
purpose. See baton_dag_io for the conf.
"""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3
    from airflow.sdk import dag, get_current_context, task
except ImportError:  # Airflow 2 (scripts/services/airflow.sh with AIRFLOW_MAJOR=2)
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context



@dag(dag_id="email_hygiene", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["baton-test"],
     default_args={"retries": 0})
def email_hygiene():
    @task(task_id="clean_emails")
    def clean_emails() -> dict:
        from email_validator import EmailNotValidError, validate_email

        import baton_dag_io as dio

        context = get_current_context()
        conf = dict(context["dag_run"].conf or {})
        run_id = context["run_id"]
        where = dio.run_io(conf, "email_hygiene", run_id)
        client = dio.s3_client()
        addresses = dio.read_rows(client, where.input_bucket, where.input_key, "email")
        dio.fail_if_asked(conf, "email_hygiene", client)
        dio.delay_if_asked(conf)

        rows, seen = [], set()
        for raw in addresses:
            text = raw.strip()
            try:
                email = validate_email(text, check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                rows.append({"input": text, "email": text.lower(), "status": "invalid"})
                continue
            rows.append({"input": text, "email": email, "status": "duplicate" if email in seen else "valid"})
            seen.add(email)
        output_key = f"{where.output_prefix}/email_hygiene.out"
        dio.write_json_lines(client, where.output_bucket, output_key, rows)
        count = lambda status: sum(1 for row in rows if row["status"] == status)  # noqa: E731
        stats = {"dag_id": "email_hygiene", "dag_run_id": run_id, "workflowId": conf.get("workflowId"),
                 "input_uri": conf["s3_input_uri"], "total": len(rows), "valid": count("valid"),
                 "invalid": count("invalid"), "duplicates": count("duplicate")}
        dio.write_json_lines(client, where.output_bucket, f"{where.output_prefix}/Email_Hygiene_Stats.jsonl", [stats])
        return {"output_key": output_key, "records": len(rows)}

    clean_emails()


email_hygiene()
