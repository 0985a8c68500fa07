"""Process helpers for the tests that kill a worker the way a machine failure would."""

from __future__ import annotations

import os
import signal


def kill_with_descendants(pid: int) -> None:
    """SIGKILL a process and every process under it, as a machine failure would. RQ's work horse starts a
    process group of its own (os.setpgrp), so killing the worker's group would leave it running."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    doomed, pending = [], [pid]
    while pending:
        current = pending.pop()
        doomed.append(current)
        pending.extend(children.get(current, []))
    for victim in reversed(doomed):
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass
