"""``tracker monitor --ray ADDRESS``: each attempt of a camera as a Ray actor reserving the
camera's ``num_cpus``, which runs it as a local worker process on its node; the supervisor polls it for their messages and exit status. The output
folder must be reachable at the same path from every node (the database too: SQLite wants a
local disk, so a cluster shares one file system or runs one monitor per node)."""

from __future__ import annotations

from multiprocessing.connection import Connection
from typing import Any

from tracker.monitor.worker import CameraJob, LocalWorker

POLL_TIMEOUT_S = 30.0
ACTOR_LOST = -9  # the exit status given to an attempt whose actor died with it


class CameraHost:
    """The actor: runs one attempt at a time in a local worker process."""

    def __init__(self) -> None:
        self.worker: LocalWorker | None = None

    def start(self, job: CameraJob) -> int | None:
        self.worker = LocalWorker(job)
        return self.worker.pid

    def poll(self) -> tuple[list[dict[str, Any]], int | None]:
        """The messages waiting and, once the attempt ended, its exit status."""
        assert self.worker is not None  # start() came first
        return self.worker.messages(), self.worker.exitcode()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    def kill(self) -> None:
        if self.worker is not None:
            self.worker.kill()


class RayWorker:
    """One attempt on an actor of its own (released when the attempt ends, so that the CPUs it
    reserved go to the next camera waiting for them), as the supervisor sees a worker."""

    def __init__(self, actor: Any, job: CameraJob) -> None:
        self.actor = actor
        self.waitable: Connection | None = None  # polled
        self.pid: int | None = None
        self._started = actor.start.remote(job)  # waits for its CPUs when the cluster is full
        self._code: int | None = None

    def messages(self) -> list[dict[str, Any]]:
        import ray

        if self._code is not None:
            return []
        try:
            if self.pid is None:
                if not ray.wait([self._started], timeout=0)[0]:
                    return []  # not placed yet
                self.pid = ray.get(self._started)
            received, code = ray.get(self.actor.poll.remote(), timeout=POLL_TIMEOUT_S)
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
            received, code = [], ACTOR_LOST
        if code is not None:
            self._code = code
            ray.kill(self.actor)
        return received

    def exitcode(self) -> int | None:
        return self._code

    def stop(self) -> None:
        if self.pid is None:  # not placed yet: nothing to finish
            self.kill()
        else:
            self.actor.stop.remote()

    def kill(self) -> None:
        import ray

        ray.kill(self.actor)
        if self._code is None:
            self._code = ACTOR_LOST


class RayLauncher:
    """Starts each attempt of a camera on a new actor with the camera's ``num_cpus``; the
    supervisor restarts attempts (up to the camera's ``max_restarts``), so Ray does not."""

    def __init__(self) -> None:
        import ray

        self._actor_class = ray.remote(CameraHost)

    def __call__(self, job: CameraJob) -> RayWorker:
        actor = self._actor_class.options(num_cpus=job.camera.num_cpus, max_restarts=0).remote()
        return RayWorker(actor, job)
