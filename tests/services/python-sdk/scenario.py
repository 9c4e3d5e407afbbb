"""Baton driven through the official Conductor Python SDK, exactly as a user would.

Run by tests/services/python-sdk.test.ts with the venv that
scripts/services/python-sdk.sh builds:

    python scenario.py <server api url, e.g. http://127.0.0.1:8080/api> <results.json>

Every check runs on its own (one failing does not stop the others) and its
outcome goes to results.json as {"checks": [{"name", "ok", "error"}]}, so the
vitest test names each check that failed and why.
"""

import json
import os
import sys
import time
import traceback
import uuid

from conductor.client.automator.task_handler import TaskHandler
from conductor.client.configuration.configuration import Configuration
from conductor.client.http.models import RerunWorkflowRequest, SkipTaskRequest, StartWorkflowRequest
from conductor.client.http.models.task import Task
from conductor.client.http.models.task_def import TaskDef
from conductor.client.http.models.task_result import TaskResult
from conductor.client.http.models.workflow_test_request import WorkflowTestRequest
from conductor.client.orkes_clients import OrkesClients
from conductor.client.workflow.conductor_workflow import ConductorWorkflow
from conductor.client.worker.worker_task import worker_task
from conductor.client.workflow.task.simple_task import SimpleTask
from conductor.client.workflow.task.wait_task import WaitTask

API_URL, RESULTS = sys.argv[1], sys.argv[2]
# Worker processes import this module again: they inherit the run id through the environment.
RUN = os.environ.setdefault("BATON_SDK_SCENARIO_RUN", uuid.uuid4().hex[:8])
GREET, FLAKY = f"py_greet_{RUN}", f"py_flaky_{RUN}"
HELLO, LIFECYCLE, RETRYABLE = f"py_hello_{RUN}", f"py_lifecycle_{RUN}", f"py_retryable_{RUN}"
TERMINAL = ("COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT")


@worker_task(task_definition_name=GREET, poll_interval_millis=50)
def greet(name: str) -> dict:
    return {"message": f"Hello {name}"}


@worker_task(task_definition_name=FLAKY, poll_interval_millis=50)
def flaky(task: Task) -> TaskResult:
    """Fails its first attempt (retryCount 0 fails the workflow); later attempts succeed."""
    result = task.to_task_result("FAILED" if task.retry_count == 0 else "COMPLETED")
    result.output_data = {"attempt": task.retry_count}
    if task.retry_count == 0:
        result.reason_for_incompletion = "first attempt fails on purpose"
    return result


results = []
checks = []


def check(name):
    """Registers a check; main() runs them in the order they are written."""
    def register(fn):
        checks.append((name, fn))
        return fn
    return register


def run_check(name, fn):
    if True:
        started = time.monotonic()
        try:
            fn()
            results.append({"name": name, "ok": True, "ms": round((time.monotonic() - started) * 1000)})
        except Exception as error:  # every failure, assertion or HTTP, is reported by name
            status = getattr(error, "status", None)
            if status is not None and hasattr(error, "body"):  # the SDK's ApiException
                detail = f"HTTP {status} {getattr(error, 'reason', '')}: {error.body}"
            else:
                detail = f"{type(error).__name__}: {error}"
            failure = {"name": name, "ok": False, "error": detail[:2000]}
            if status is None:  # an assertion or a client-side error: where it happened helps
                failure["trace"] = traceback.format_exc()[-1500:]
            results.append(failure)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def eventually(probe, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout}s (last: {last})")


# The TaskHandler starts its workers with multiprocessing, which imports this
# module again in each child: everything that acts runs under main() only.
configuration = Configuration(server_api_url=API_URL)
clients = OrkesClients(configuration=configuration)
metadata = clients.get_metadata_client()
workflows = clients.get_workflow_client()
tasks = clients.get_task_client()
executor = clients.get_workflow_executor()


def status_of(workflow_id, include_tasks=False):
    return workflows.get_workflow(workflow_id, include_tasks=include_tasks)


def wait_for_status(workflow_id, *statuses, timeout=30.0):
    return eventually(lambda: (lambda wf: wf if wf.status in statuses else None)(status_of(workflow_id, True)),
                      f"workflow {workflow_id} in {statuses}", timeout)


def task_by_ref(workflow, ref):
    matching = [t for t in workflow.tasks if t.reference_task_name == ref]
    expect(matching, f"no task {ref} in {[t.reference_task_name for t in workflow.tasks]}")
    return matching[-1]


def hello_workflow(version=1):
    workflow = ConductorWorkflow(executor=executor, name=HELLO, version=version)
    workflow >> greet(task_ref_name="greet_ref", name=workflow.input("name"))
    workflow.output_parameters({"message": "${greet_ref.output.message}"})
    return workflow


def lifecycle_workflow(version=1, extra_output=None):
    """A WAIT (completed from outside) then the greet worker: long enough to act on."""
    workflow = ConductorWorkflow(executor=executor, name=LIFECYCLE, version=version)
    workflow >> WaitTask(task_ref_name="wait_ref") >> SimpleTask(GREET, "greet_ref").input(key="name", value="${workflow.input.name}")
    output = {"message": "${greet_ref.output.message}", "waited": "${wait_ref.output}"}
    output.update(extra_output or {})
    workflow.output_parameters(output)
    return workflow


def start(workflow_name, version=None, correlation_id=None, **inputs):
    request = StartWorkflowRequest(name=workflow_name, version=version, input=inputs, correlation_id=correlation_id)
    return workflows.start_workflow(request)


# ---- metadata ---------------------------------------------------------------

@check("register task definitions")
def _():
    for name in (GREET, FLAKY):
        task_def = TaskDef(name=name, retry_count=0, timeout_seconds=60, response_timeout_seconds=30)
        task_def.timeout_policy = "TIME_OUT_WF"
        metadata.register_task_def(task_def)
    fetched = metadata.get_task_def(GREET)
    expect(fetched.name == GREET, f"get_task_def returned {fetched.name}")
    names = {t.name for t in metadata.get_all_task_defs()}
    expect({GREET, FLAKY} <= names, "registered task definitions missing from get_all_task_defs")


@check("update a task definition")
def _():
    task_def = metadata.get_task_def(FLAKY)
    task_def.description = "updated by the Python SDK"
    metadata.update_task_def(task_def)
    expect(metadata.get_task_def(FLAKY).description == "updated by the Python SDK", "description not updated")


@check("register workflows with overwrite=True")
def _():
    hello_workflow().register(overwrite=True)
    # Registering the same version again is what overwrite is for.
    hello_workflow().register(overwrite=True)
    metadata.register_workflow_def(lifecycle_workflow().to_workflow_def(), overwrite=True)
    retryable = ConductorWorkflow(executor=executor, name=RETRYABLE, version=1)
    retryable >> flaky(task_ref_name="flaky_ref")
    retryable.output_parameters({"attempt": "${flaky_ref.output.attempt}"})
    retryable.register(overwrite=True)
    fetched = metadata.get_workflow_def(HELLO, version=1)
    expect(fetched.name == HELLO and fetched.tasks[0].task_reference_name == "greet_ref",
           f"get_workflow_def returned {fetched}")


@check("list workflow definitions")
def _():
    names = {d.name for d in metadata.get_all_workflow_defs()}
    expect({HELLO, LIFECYCLE, RETRYABLE} <= names, f"missing definitions in {sorted(names)[:20]}")


# ---- workers ----------------------------------------------------------------

@check("workers under TaskHandler complete a started workflow")
def _():
    workflow_id = start(HELLO, 1, name="Python")
    done = wait_for_status(workflow_id, *TERMINAL)
    expect(done.status == "COMPLETED", f"status {done.status}: {done.reason_for_incompletion}")
    expect(done.output.get("message") == "Hello Python", f"output {done.output}")
    greet_task = task_by_ref(done, "greet_ref")
    expect(greet_task.worker_id, "the completed task names no worker")


@check("execute a workflow synchronously")
def _():
    run = hello_workflow().execute(workflow_input={"name": "sync"}, wait_for_seconds=15)
    expect(run.status == "COMPLETED", f"status {run.status}")
    expect(run.output.get("message") == "Hello sync", f"output {run.output}")


@check("execute a registered workflow by name")
def _():
    run = executor.execute(name=HELLO, version=1, workflow_input={"name": "by name"}, wait_for_seconds=15)
    expect(run.status == "COMPLETED", f"status {run.status}")
    expect(run.output.get("message") == "Hello by name", f"output {run.output}")


@check("workflow status summary with output and variables")
def _():
    workflow_id = start(HELLO, 1, name="status")
    wait_for_status(workflow_id, "COMPLETED")
    summary = workflows.get_workflow_status(workflow_id, include_output=True, include_variables=True)
    expect(summary.status == "COMPLETED", f"status {summary.status}")
    expect(summary.output.get("message") == "Hello status", f"output {summary.output}")


# ---- correlation and search -------------------------------------------------

CORRELATION = f"py-corr-{RUN}"
correlated = []


@check("start workflows with a correlation id")
def _():
    for n in range(2):
        correlated.append(start(HELLO, 1, correlation_id=CORRELATION, name=f"corr {n}"))
    for workflow_id in correlated:
        expect(wait_for_status(workflow_id, "COMPLETED").correlation_id == CORRELATION, "correlation id lost")


@check("look up workflows by correlation ids")
def _():
    found = workflows.get_by_correlation_ids(HELLO, [CORRELATION], include_completed=True, include_tasks=True)
    ids = {wf.workflow_id for wf in found.get(CORRELATION, [])}
    expect(ids == set(correlated), f"found {ids}, expected {set(correlated)}")
    only_running = workflows.get_by_correlation_ids(HELLO, [CORRELATION])
    expect(not only_running.get(CORRELATION), "completed workflows returned without include_closed")


@check("search workflows")
def _():
    def probe():
        result = workflows.search(start=0, size=50, free_text="*",
                                  query=f'workflowType = "{HELLO}" AND correlationId = "{CORRELATION}"')
        ids = {summary.workflow_id for summary in result.results}
        return result if ids == set(correlated) else None

    result = eventually(probe, "search finds the correlated workflows")
    expect(all(summary.workflow_type == HELLO for summary in result.results), "search returned other workflow types")


# ---- lifecycle ----------------------------------------------------------------

@check("pause and resume")
def _():
    workflow_id = start(LIFECYCLE, 1, name="pause")
    workflows.pause_workflow(workflow_id)
    expect(status_of(workflow_id).status == "PAUSED", "not PAUSED after pause")
    # A paused workflow schedules nothing: completing the WAIT leaves greet unscheduled.
    tasks.update_task_by_ref_name(workflow_id, "wait_ref", "COMPLETED", {"by": "pause"})
    time.sleep(0.5)
    paused = status_of(workflow_id, True)
    expect(paused.status == "PAUSED", f"status {paused.status}")
    expect(all(t.reference_task_name != "greet_ref" for t in paused.tasks), "greet scheduled while paused")
    workflows.resume_workflow(workflow_id)
    done = wait_for_status(workflow_id, *TERMINAL)
    expect(done.status == "COMPLETED", f"status {done.status} after resume")


@check("update a task by reference name")
def _():
    workflow_id = start(LIFECYCLE, 1, name="by ref")
    eventually(lambda: any(t.reference_task_name == "wait_ref" for t in status_of(workflow_id, True).tasks), "wait_ref scheduled")
    tasks.update_task_by_ref_name(workflow_id, "wait_ref", "COMPLETED", {"approved": True})
    done = wait_for_status(workflow_id, *TERMINAL)
    expect(done.status == "COMPLETED", f"status {done.status}")
    expect(task_by_ref(done, "wait_ref").output_data == {"result": {"approved": True}},
           f"wait output {task_by_ref(done, 'wait_ref').output_data}")


@check("update a task synchronously")
def _():
    workflow_id = start(LIFECYCLE, 1, name="sync update")
    eventually(lambda: any(t.reference_task_name == "wait_ref" for t in status_of(workflow_id, True).tasks), "wait_ref scheduled")
    workflow = tasks.update_task_sync(workflow_id, "wait_ref", "COMPLETED", {"approved": "sync"})
    expect(workflow.workflow_id == workflow_id, f"update_task_sync returned workflow {workflow.workflow_id}")
    expect(task_by_ref(workflow, "wait_ref").status == "COMPLETED", "the returned workflow shows wait_ref not completed")
    expect(wait_for_status(workflow_id, *TERMINAL).status == "COMPLETED", "workflow did not complete")


@check("update a task by id, with logs")
def _():
    workflow_id = start(LIFECYCLE, 1, name="by id")
    wait_task = eventually(lambda: next((t for t in status_of(workflow_id, True).tasks if t.reference_task_name == "wait_ref"), None),
                           "wait_ref scheduled")
    tasks.add_task_log(wait_task.task_id, "approved by the Python SDK")
    logs = tasks.get_task_logs(wait_task.task_id)
    expect([log.log for log in logs] == ["approved by the Python SDK"], f"logs {[log.log for log in logs]}")
    result = TaskResult(workflow_instance_id=workflow_id, task_id=wait_task.task_id, status="COMPLETED",
                        output_data={"approved": "by id"})
    tasks.update_task(result)
    expect(tasks.get_task(wait_task.task_id).status == "COMPLETED", "task not COMPLETED")
    expect(wait_for_status(workflow_id, *TERMINAL).status == "COMPLETED", "workflow did not complete")


@check("skip a task")
def _():
    # Conductor skips only a task not scheduled yet: greet_ref, while wait_ref waits.
    workflow_id = start(LIFECYCLE, 1, name="skip")
    eventually(lambda: any(t.reference_task_name == "wait_ref" for t in status_of(workflow_id, True).tasks), "wait_ref scheduled")
    request = SkipTaskRequest()
    request.task_output = {"message": "skipped"}
    workflows.skip_task_from_workflow(workflow_id, "greet_ref", request)
    tasks.update_task_by_ref_name(workflow_id, "wait_ref", "COMPLETED", {})
    done = wait_for_status(workflow_id, *TERMINAL)
    expect(done.status == "COMPLETED", f"status {done.status}")
    expect(task_by_ref(done, "greet_ref").status == "SKIPPED", f"greet_ref {task_by_ref(done, 'greet_ref').status}")


@check("terminate")
def _():
    workflow_id = start(LIFECYCLE, 1, name="terminate")
    workflows.terminate_workflow(workflow_id, reason="stopped by the Python SDK")
    done = status_of(workflow_id, True)
    expect(done.status == "TERMINATED", f"status {done.status}")
    expect(done.reason_for_incompletion == "stopped by the Python SDK", f"reason {done.reason_for_incompletion}")
    expect(task_by_ref(done, "wait_ref").status == "CANCELED", f"wait_ref {task_by_ref(done, 'wait_ref').status}")


@check("restart")
def _():
    workflow_id = start(LIFECYCLE, 1, name="restart")
    workflows.terminate_workflow(workflow_id, reason="to restart")
    workflows.restart_workflow(workflow_id)
    restarted = status_of(workflow_id, True)
    expect(restarted.status == "RUNNING", f"status {restarted.status}")
    expect([t.status for t in restarted.tasks] == ["IN_PROGRESS"], f"tasks {[t.status for t in restarted.tasks]}")
    workflows.terminate_workflow(workflow_id, reason="done")


@check("restart with the latest definitions")
def _():
    workflow_id = start(LIFECYCLE, 1, name="latest")
    workflows.terminate_workflow(workflow_id, reason="to restart on version 2")
    metadata.register_workflow_def(lifecycle_workflow(2, {"version": "two"}).to_workflow_def(), overwrite=True)
    workflows.restart_workflow(workflow_id, use_latest_def=True)
    restarted = status_of(workflow_id, True)
    expect(restarted.status == "RUNNING", f"status {restarted.status}")
    expect(restarted.workflow_version == 2, f"restarted on version {restarted.workflow_version}")
    tasks.update_task_by_ref_name(workflow_id, "wait_ref", "COMPLETED", {})
    done = wait_for_status(workflow_id, *TERMINAL)
    expect(done.output.get("version") == "two", f"output {done.output}")


@check("retry a failed workflow")
def _():
    workflow_id = start(RETRYABLE, 1)
    failed = wait_for_status(workflow_id, *TERMINAL)
    expect(failed.status == "FAILED", f"status {failed.status} (the first attempt fails)")
    workflows.retry_workflow(workflow_id)
    done = wait_for_status(workflow_id, *TERMINAL)
    expect(done.status == "COMPLETED", f"status {done.status} after retry")
    expect(done.output.get("attempt") == 1, f"output {done.output}")


@check("rerun from a task with new input")
def _():
    workflow_id = start(HELLO, 1, name="first")
    done = wait_for_status(workflow_id, "COMPLETED")
    request = RerunWorkflowRequest()
    request.re_run_from_task_id = task_by_ref(done, "greet_ref").task_id
    request.workflow_input = {"name": "again"}
    # Conductor keeps the rerun task's old input unless task_input replaces it.
    request.task_input = {"name": "again"}
    rerun_id = workflows.rerun_workflow(workflow_id, request)
    expect(rerun_id == workflow_id, f"rerun returned {rerun_id}")
    rerun = eventually(lambda: (lambda wf: wf if wf.status == "COMPLETED" and wf.output.get("message") == "Hello again" else None)(status_of(workflow_id)),
                       "rerun completes with the new input")
    expect(rerun.input.get("name") == "again", f"input {rerun.input}")


@check("queue size and poll data")
def _():
    # Every greet so far was polled by the TaskHandler, which leaves poll data behind.
    poll_data = tasks.get_task_poll_data(GREET)
    expect(poll_data and poll_data[0].queue_name == GREET, f"poll data {poll_data}")
    expect(tasks.get_queue_size_for_task(GREET) == 0, "greet queue not drained")


@check("test a workflow with mocked task outputs")
def _():
    request = WorkflowTestRequest(
        name=HELLO, version=1, input={"name": "mock"},
        workflow_def=hello_workflow().to_workflow_def(),
        # conductor-python 2.0.0 serialises its TaskMock as {"_status", "_output",
        # "_execution_time": "<property object ...>"}, which Conductor ignores too:
        # the mock goes as the JSON Conductor reads.
        task_ref_to_mock_output={"greet_ref": [{"status": "COMPLETED", "output": {"message": "mocked"}}]},
    )
    tested = workflows.test_workflow(request)
    expect(tested.status == "COMPLETED", f"status {tested.status}")
    expect(tested.output.get("message") == "mocked", f"output {tested.output}")


@check("remove a workflow")
def _():
    workflow_id = start(HELLO, 1, name="remove")
    wait_for_status(workflow_id, "COMPLETED")
    workflows.remove_workflow(workflow_id)
    try:
        workflows.get_workflow(workflow_id)
    except Exception as error:
        expect(getattr(error, "status", None) == 404 or getattr(error, "code", None) == 404, f"get after remove: {error}")
        return
    raise AssertionError("the removed workflow is still returned")


@check("delete a workflow without archiving")
def _():
    workflow_id = start(HELLO, 1, name="delete")
    wait_for_status(workflow_id, "COMPLETED")
    workflows.delete_workflow(workflow_id, archive_workflow=False)
    try:
        workflows.get_workflow(workflow_id)
    except Exception as error:
        expect(getattr(error, "status", None) == 404 or getattr(error, "code", None) == 404, f"get after delete: {error}")
        return
    raise AssertionError("the deleted workflow is still returned")


@check("unregister a workflow definition")
def _():
    metadata.unregister_workflow_def(LIFECYCLE, 2)
    versions = [d.version for d in metadata.get_all_workflow_defs() if d.name == LIFECYCLE]
    expect(versions == [1], f"versions left {versions}")


def main():
    metadata_checks = [c for c in checks if c[0] in METADATA_FIRST]
    for name, fn in metadata_checks:
        run_check(name, fn)
    handler = TaskHandler(workers=[], configuration=configuration, scan_for_annotated_workers=True)
    handler.start_processes()
    try:
        for name, fn in checks:
            if name not in METADATA_FIRST:
                run_check(name, fn)
    finally:
        handler.stop_processes()
    with open(RESULTS, "w") as out:
        json.dump({"sdk": "conductor-python", "run": RUN, "checks": results}, out, indent=2)
    failed = [r["name"] for r in results if not r["ok"]]
    print(f"{len(results) - len(failed)}/{len(results)} checks passed" + (f"; failed: {failed}" if failed else ""))


# Definitions are registered before the TaskHandler starts its workers.
METADATA_FIRST = {"register task definitions", "update a task definition",
                  "register workflows with overwrite=True", "list workflow definitions"}

if __name__ == "__main__":
    main()
