"""A task used only by the worker concurrency test: it appends its key to a file."""

import os

from django_tasks import task


@task()
def record_run(path: str, key: str) -> None:
    # O_APPEND writes of one short line are atomic, so concurrent workers cannot interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{key}\n".encode())
    finally:
        os.close(fd)
