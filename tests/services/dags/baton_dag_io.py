"""Input, output and stats for the test DAGs (not a DAG itself).

A run's conf names its input and where its results go, as Baton's
airflow-adapter sends them:

  s3_input_uri   s3://bucket/key of the input (CSV with a header, or one value a line)
  output_prefix  key prefix the run writes under (Baton's adapter sends it), in
                 conf.output_bucket, else the bucket BATON_DAG_OUTPUT_BUCKET names
                 (Airflow's own data bucket, which Baton's monitor copies from), else
                 the bucket of s3_output_uri, else the input's; or, without it,
  s3_output_uri  s3://bucket/prefix (else dags/<dag_id>/<run_id> in the input's bucket)
  fail           true: the run fails on purpose, after reading its input
  fail_reason    the message it fails with
  fail_while     s3://bucket/key: the run fails while that object exists, with its
                 content as the reason (fix the cause, delete it, retry: the run succeeds)
  delay_seconds  how long the run works before writing (0-600; a long run for restart tests)

The S3 server comes from the environment Airflow was started with
(AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION):
scripts/services/airflow.sh passes on the versitygw of scripts/services/s3.sh.
"""

from __future__ import annotations

import csv
import json
import os
import time
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import urlparse


class DagConfError(ValueError):
    """A conf value is missing or malformed; the message names it."""


@dataclass(frozen=True)
class RunIo:
    input_bucket: str
    input_key: str
    output_bucket: str
    output_prefix: str


def _s3_uri(conf: dict[str, Any], field: str) -> tuple[str, str]:
    value = conf.get(field)
    if not isinstance(value, str) or not value.startswith("s3://"):
        raise DagConfError(f"conf.{field}: expected an s3://bucket/key URI, got {value!r}")
    parsed = urlparse(value)
    if not parsed.netloc:
        raise DagConfError(f"conf.{field}: expected an s3://bucket/key URI with a bucket, got {value!r}")
    return parsed.netloc, parsed.path.lstrip("/")


def run_io(conf: dict[str, Any], dag_id: str, run_id: str) -> RunIo:
    """Where a run reads and writes, from its conf (errors name the field)."""
    input_bucket, input_key = _s3_uri(conf, "s3_input_uri")
    if not input_key:
        raise DagConfError("conf.s3_input_uri: expected a key after the bucket")
    if conf.get("s3_output_uri") is not None:
        output_bucket, output_prefix = _s3_uri(conf, "s3_output_uri")
    else:
        output_bucket, output_prefix = input_bucket, f"dags/{dag_id}/{run_id}"
    prefix = conf.get("output_prefix")
    if prefix is not None:
        if not isinstance(prefix, str) or not prefix.strip("/"):
            raise DagConfError(f"conf.output_prefix: expected a non-empty key prefix, got {prefix!r}")
        bucket = conf.get("output_bucket")
        if bucket is not None and (not isinstance(bucket, str) or not bucket):
            raise DagConfError(f"conf.output_bucket: expected a bucket name, got {bucket!r}")
        output_bucket = bucket or os.environ.get("BATON_DAG_OUTPUT_BUCKET") or output_bucket
        output_prefix = prefix
    return RunIo(input_bucket, input_key, output_bucket, output_prefix.strip("/"))


def fail_if_asked(conf: dict[str, Any], dag_id: str, client) -> None:
    """The failure switches the tests use: conf.fail = true, or conf.fail_while naming an object that exists."""
    if conf.get("fail") is True:
        reason = conf.get("fail_reason") or f"{dag_id} failed on purpose (conf.fail is true)"
        raise RuntimeError(str(reason))
    if conf.get("fail_while") is not None:
        bucket, key = _s3_uri(conf, "fail_while")
        try:
            body = client.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8").strip()
        except client.exceptions.NoSuchKey:
            return
        raise RuntimeError(body or f"{dag_id} failed on purpose ({conf['fail_while']} exists)")


def delay_if_asked(conf: dict[str, Any]) -> None:
    """conf.delay_seconds: keeps the run busy, so a test can act while it runs."""
    delay = conf.get("delay_seconds")
    if delay is None:
        return
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 600:
        raise DagConfError(f"conf.delay_seconds: expected a number of seconds from 0 to 600, got {delay!r}")
    time.sleep(delay)


def s3_client():
    import boto3  # imported in the task, so parsing the DAG file stays cheap

    return boto3.client("s3")


def read_rows(client, bucket: str, key: str, column: str) -> list[str]:
    """The values of `column` (a CSV with a header naming it), or every non-blank line."""
    body = client.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8-sig")
    lines = body.splitlines()
    if not lines:
        return []
    header = [name.strip().lower() for name in next(csv.reader([lines[0]]))]
    if column in header:
        index = header.index(column)
        return [row[index] for row in csv.reader(lines[1:]) if len(row) > index and row[index].strip()]
    return [line for line in lines if line.strip()]


def write_json_lines(client, bucket: str, key: str, records: Iterable[dict[str, Any]]) -> int:
    """One JSON object a line, fields in the order given (the seed's `.out` and `*_Stats.jsonl`)."""
    lines = [json.dumps(record) + "\n" for record in records]
    client.put_object(Bucket=bucket, Key=key, Body="".join(lines).encode("utf-8"), ContentType="application/x-ndjson")
    return len(lines)
