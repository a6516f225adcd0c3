"""Network faults between a client and a real server, for fault-injection tests.

:class:`FaultyLink` is a TCP proxy on 127.0.0.1 in front of a real server (Postgres, NATS, S3 …).
A test points one client at the proxy and then:

* ``cut()``: drops every open connection and refuses new ones (a server that crashed or restarts);
* ``hang()``: keeps connections open but forwards nothing either way, and accepts new ones that never
  answer (a half-open connection, a frozen server, a network partition without resets);
* ``restore()``: forwards again.

The server itself is real and untouched, so everything the client sees (connection refused, a read
that never returns, a reset) is what it would see in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from typing import Literal

Mode = Literal["up", "cut", "hung"]


class FaultyLink:
    """A proxy ``127.0.0.1:<port>`` → ``target_host:target_port`` running on its own event loop thread."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode: Mode = "up"
        self._loop = asyncio.new_event_loop()
        self._conns: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="faulty-link", daemon=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self._thread.start()
        self._ready.wait(10)

    # --- control (from any thread) ---------------------------------------------------------------

    def cut(self) -> None:
        self._call(self._cut)

    def hang(self) -> None:
        self._call(self._hang)

    def restore(self) -> None:
        self._call(self._restore)

    def close(self) -> None:
        self._call(self._close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _call(self, fn: object) -> None:
        done = threading.Event()

        async def run() -> None:
            try:
                await fn()  # type: ignore[operator]
            finally:
                done.set()

        asyncio.run_coroutine_threadsafe(run(), self._loop)
        done.wait(10)

    # --- the proxy ---------------------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._listen())
        self._ready.set()
        self._loop.run_forever()

    async def _listen(self) -> None:
        if not hasattr(self, "_flowing"):
            self._flowing = asyncio.Event()
            self._flowing.set()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _hang(self) -> None:
        self.mode = "hung"
        self._flowing.clear()

    async def _cut(self) -> None:
        self.mode = "cut"
        self._flowing.set()  # wake held pumps so that they see the cut and stop
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for w in list(self._conns):
            # SO_LINGER 0 turns the close into a reset, as a crashed server's kernel would send.
            with contextlib.suppress(Exception):
                sock = w.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                w.close()
        self._conns.clear()

    async def _restore(self) -> None:
        self.mode = "up"
        self._flowing.set()
        if self._server is None:
            await self._listen()

    async def _close(self) -> None:
        await self._cut()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "cut":
            writer.close()
            return
        self._conns.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            self._conns.discard(writer)
            return
        self._conns.add(up_writer)
        await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer), return_exceptions=True)
        for w in (writer, up_writer):
            self._conns.discard(w)
            with contextlib.suppress(Exception):
                w.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            await self._flowing.wait()  # while hung, hold the bytes: the peer waits for an answer forever
            if self.mode == "cut":
                break
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(Exception):
            writer.close()
