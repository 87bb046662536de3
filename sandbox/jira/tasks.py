"""Asynchronous tasks of the Jira emulator: bulk edits (``/bulk/queue/{taskId}``) and bulk property
writes (``/task/{taskId}``), one id space as Jira has (a property task asked for at the bulk queue
is refused, getBulkOperationProgress in the Cloud v3 OpenAPI).

The emulator applies a task's work when it is submitted; :attr:`TaskQueue.running_polls` makes the
first polls of each task answer ``RUNNING`` anyway, so a client's polling is exercised (research/
jira.md §8 recommendation: report ENQUEUED/RUNNING before COMPLETE). Default 0: the first poll sees
``COMPLETE``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Task", "TaskQueue"]

TaskKind = Literal["bulk-edit", "properties"]


@dataclass
class Task:
    """One submitted task: what it processed (issue ids), what failed (issue id -> reasons), who
    submitted it (``account``: an account id) and when (``created``: epoch milliseconds)."""

    id: str
    kind: TaskKind
    account: str
    created: int
    total: int = 0
    processed: list[int] = field(default_factory=list)
    failed: dict[str, list[str]] = field(default_factory=dict)
    invalid: int = 0
    polls_left: int = 0

    def poll(self) -> bool:
        """One poll of the task: True once it reports ``COMPLETE`` (see the module docstring)."""
        if self.polls_left > 0:
            self.polls_left -= 1
            return False
        return True


@dataclass
class TaskQueue:
    """Every task of one site, by id (thread-safe)."""

    running_polls: int = 0
    tasks: dict[str, Task] = field(default_factory=dict)
    _next: int = 10640
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: TaskKind, account: str, created: int, **values: Any) -> Task:
        with self._lock:
            self._next += 1
            task = Task(str(self._next), kind, account, created, polls_left=self.running_polls, **values)
            self.tasks[task.id] = task
            return task

    def get(self, task_id: str) -> Task | None:
        return self.tasks.get(task_id)
