"""name_parse: splits full names into their parts (the nameparser library).

Reads conf.s3_input_uri (a CSV with a `name` column, or one name a line) and
writes the seed's files, the names and fields Baton's local DAG writes
(src/adapters/airflow/seed-dags/files.ts): `<prefix>/nameparse.out` (JSON lines:
input, title, first, middle, last, nick, suffix, parsed) and
`<prefix>/NameParse_Stats.jsonl`.
conf.fail = true fails the run on purpose. See baton_dag_io for the conf.
"""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3
    from airflow.sdk import dag, get_current_context, task
except ImportError:  # Airflow 2 (scripts/services/airflow.sh with AIRFLOW_MAJOR=2)
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context


@dag(dag_id="name_parse", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["baton-test"],
     default_args={"retries": 0})
def name_parse():
    @task(task_id="parse_names")
    def parse_names() -> dict:
        from nameparser import HumanName

        import baton_dag_io as dio

        context = get_current_context()
        conf = dict(context["dag_run"].conf or {})
        run_id = context["run_id"]
        where = dio.run_io(conf, "name_parse", run_id)
        client = dio.s3_client()
        names = dio.read_rows(client, where.input_bucket, where.input_key, "name")
        dio.fail_if_asked(conf, "name_parse", client)
        dio.delay_if_asked(conf)

        rows = []
        for raw in names:
            parsed = HumanName(raw.strip())
            rows.append({"input": raw.strip(), "title": parsed.title, "first": parsed.first, "middle": parsed.middle,
                         "last": parsed.last, "nick": parsed.nickname, "suffix": parsed.suffix,
                         "parsed": bool(parsed.first and parsed.last)})
        output_key = f"{where.output_prefix}/nameparse.out"
        dio.write_json_lines(client, where.output_bucket, output_key, rows)
        parsed_count = sum(1 for row in rows if row["parsed"])
        stats = {"dag_id": "name_parse", "dag_run_id": run_id, "workflowId": conf.get("workflowId"),
                 "input_uri": conf["s3_input_uri"], "total": len(rows), "parsed": parsed_count,
                 "unparsed": len(rows) - parsed_count}
        dio.write_json_lines(client, where.output_bucket, f"{where.output_prefix}/NameParse_Stats.jsonl", [stats])
        return {"output_key": output_key, "records": len(rows)}

    parse_names()


name_parse()
