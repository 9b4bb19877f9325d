"""Named points where a test may kill this process (reliability battery, row 9).

`stop_at("name")` does nothing unless the environment variable COMMONS_STOP_AT names that
point: then the process kills itself with SIGKILL on the spot, as a power cut or an OOM
kill would, so a test can check what a restart finds. Never set it outside tests.
"""

import os
import signal

POINTS = ("batch-written", "mail-claimed", "mail-accepted")


def stop_at(name: str) -> None:
    if os.environ.get("COMMONS_STOP_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
