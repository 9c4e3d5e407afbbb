"""email_hygiene: normalises, validates and de-duplicates email addresses.

Syntax by the email-validator library (no DNS: deliverability is the
email-validator service's job); role accounts (info@, admin@, ...) flagged;
duplicates after normalisation dropped. Reads conf.s3_input_uri (a CSV with an
`email` column, or one address a line) and writes
`<prefix>/email_hygiene_output.csv` and `<prefix>/EmailHygiene_Stats.jsonl`.
conf.fail = true fails the run on purpose. See baton_dag_io for the conf.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, get_current_context, task

FIELDS = ["input", "email", "status", "reason", "role_account"]
ROLE_ACCOUNTS = {"admin", "info", "support", "sales", "contact", "noreply", "no-reply", "postmaster", "webmaster"}


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
        started = dio.now_ms()
        where = dio.run_io(conf, "email_hygiene", run_id)
        client = dio.s3_client()
        addresses = dio.read_rows(client, where.input_bucket, where.input_key, "email")
        dio.fail_if_asked(conf, "email_hygiene", client)
        dio.delay_if_asked(conf)

        rows, seen = [], set()
        counts = {"valid": 0, "invalid": 0, "duplicate": 0}
        for raw in addresses:
            text = raw.strip()
            try:
                normalized = validate_email(text, check_deliverability=False).normalized.lower()
            except EmailNotValidError as error:
                counts["invalid"] += 1
                rows.append({"input": text, "email": "", "status": "invalid", "reason": str(error), "role_account": False})
                continue
            if normalized in seen:
                counts["duplicate"] += 1
                continue
            seen.add(normalized)
            counts["valid"] += 1
            rows.append({"input": text, "email": normalized, "status": "valid", "reason": "",
                         "role_account": normalized.split("@", 1)[0] in ROLE_ACCOUNTS})
        output_key = f"{where.output_prefix}/email_hygiene_output.csv"
        dio.write_csv(client, where.output_bucket, output_key, FIELDS, rows)
        stats = {"dag_id": "email_hygiene", "dag_run_id": run_id, "workflowId": conf.get("workflowId"),
                 "records_in": len(addresses), "records_out": len(rows), **counts,
                 "output_key": output_key, "started_at": started, "ended_at": dio.now_ms()}
        dio.write_stats(client, where.output_bucket, f"{where.output_prefix}/EmailHygiene_Stats.jsonl", [stats])
        return {"output_key": output_key, "records": len(rows)}

    clean_emails()


email_hygiene()
