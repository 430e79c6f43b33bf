"""Ray for ``--ray ADDRESS`` (``tracker eval``, ``tracker monitor``): start a local instance
(``local``) or join a cluster, shipping the project's packages so a remote cluster needs no install."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from types import ModuleType

from tracker.core.errors import UserError


def start_ray(address: str, packages: list[ModuleType]) -> bool:
    """Start or join Ray at ``address`` unless it runs in this process already; ``True`` when it
    was started here (the caller shuts it down). A missing extra or an address that does not
    answer is a ``UserError``."""
    try:
        import ray
    except ImportError:
        raise UserError("--ray needs Ray: pip install 'tracker[ray]'") from None
    if ray.is_initialized():
        return False
    _check_reachable(address)
    try:
        ray.init(
            address=None if address == "local" else address,
            runtime_env={"py_modules": [str(Path(package.__file__ or "").parent) for package in packages]},
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
        )
    except (ConnectionError, ValueError, RuntimeError) as error:
        raise UserError(f"cannot start or reach Ray at {address!r}: {error}") from None
    return True


def _check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Fail fast on a ``host:port`` / ``ray://host:port`` that does not answer (``ray.init``
    itself retries for minutes); ``local`` and ``auto`` are left to Ray."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as error:
        raise UserError(f"cannot reach Ray at {address!r}: {error}") from None
