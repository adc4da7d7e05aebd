"""Ralph's LRS (`ralph.api:app`) on the file-system backend, as `ralph runserver -b fs` serves
it, with one change: Ralph 5.1's fs backend creates its statements file on every write and so
refuses every write after the first ("already exists and overwrite is not allowed"); here it
appends instead. Run by tests/courses/lrs.py with Ralph's own Python: host, port, data dir."""

import os
import sys

host, port, data = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# Ralph reads its configuration from the environment when it is imported.
os.environ["RALPH_RUNSERVER_BACKEND"] = "fs"
os.environ["RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH"] = data

import uvicorn  # noqa: E402
from ralph.backends.data.base import BaseOperationType  # noqa: E402
from ralph.backends.lrs.fs import FSLRSBackend  # noqa: E402

FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host=host, port=port, log_level="warning")
