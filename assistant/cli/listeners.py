"""``serve --workers N``: a listening socket per worker, so the kernel spreads connections.

uvicorn's supervisor gives every worker the one socket it bound; whichever worker's
event loop wakes first accepts what is waiting, so a burst of new keep-alive
connections lands unevenly and stays so (50 clients connecting at once: 36 on one
worker, 14 on the other, whose CPU was the same; the first worker's clients waited
about 2.5 times as long: the status polls' p95 and p99). Here each worker listens on a
socket of its own, all bound to the one port with ``SO_REUSEPORT``, and the kernel
hands each new connection to one of them by a hash of its addresses (about 25 each).

What that changes: a worker that dies leaves the connections sent to its socket waiting
(not refused) until its replacement starts, a second or two; and the port is first
checked with a plain bind, so a port another server holds is refused as before, not
shared (Linux lets only the same user join a ``SO_REUSEPORT`` group).
"""

from __future__ import annotations

import errno
import logging
import socket

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

from assistant.errors import InvalidInput

__all__ = ["SpreadSupervisor", "spread_sockets"]

_log = logging.getLogger("uvicorn.error")


def spread_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets bound to ``host:port`` with ``SO_REUSEPORT``; InvalidInput when
    something else holds the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:  # no SO_REUSEPORT: alone
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            taken = exc.errno == errno.EADDRINUSE
            raise InvalidInput(
                f"Cannot listen on {host}:{port}: "
                + ("another program is using that port." if taken else f"{exc.strerror}.")
            ) from exc
    sockets = []
    for _ in range(count):
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.set_inheritable(True)
        sockets.append(sock)
    address = f"[{host}]" if family == socket.AF_INET6 else host
    _log.info("Uvicorn running on http://%s:%d (Press CTRL+C to quit)", address, port)
    return sockets


class SpreadSupervisor(Multiprocess):
    """uvicorn's supervisor, with worker ``i`` (and any worker replacing it) listening on
    ``sockets[i]``. Its three methods that start workers are uvicorn 0.55's, each worker
    given its own socket."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        if len(sockets) != config.workers:
            raise ValueError(f"{config.workers} workers need as many sockets, not {len(sockets)}")
        super().__init__(config, sockets)

    def _worker(self, slot: int) -> Process:
        return Process(self.config, [self.sockets[slot]])

    def init_processes(self) -> None:
        for slot in range(self.processes_num):
            process = self._worker(slot)
            process.start()
            self.processes.append(process)

    def restart_all(self) -> None:
        """Replace each worker, its replacement serving before the old one stops."""
        for slot, old_process in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new_process = self._worker(slot)
            new_process.start()
            if not new_process.wait_until_ready(
                self.config.timeout_worker_healthcheck, self.should_exit
            ):
                new_process.kill()
                new_process.join()
                if not self.should_exit.is_set():
                    _log.error(
                        "New child process [%s] was not ready in time; keeping worker [%s] "
                        "and aborting the restart.",
                        new_process.pid,
                        old_process.pid,
                    )
                return
            old_process.terminate()
            old_process.join()
            self.processes[slot] = new_process

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for slot, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # hung: kill it
            process.join()
            if process.exitcode == STARTUP_FAILURE:  # would fail the same way again
                _log.error("Child process [%s] failed to start, stopping the parent process.",
                           process.pid)  # fmt: skip
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            _log.info("Child process [%s] died", process.pid)
            process = self._worker(slot)
            process.start()
            self.processes[slot] = process
