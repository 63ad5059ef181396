# SPDX-License-Identifier: MIT
"""A TCP proxy on loopback that shapes each direction like a Wi-Fi link: a token-bucket rate limit
(serialisation delay), a fixed one-way delay and a bounded in-flight buffer. Runs its own asyncio
loop in a thread; bounded by the benchmark that starts and stops it. Each connection's bytes and
client flights are recorded (`connections`), for handshake round trips and sizes."""
import asyncio
import threading
import time


class ConnectionRecord:
    """What one connection carried: bytes each way, and each client flight as [start time, bytes]
    (a run of client data sent after the server answered, at least `gap` s after the client's
    last)."""

    def __init__(self, gap):
        self.gap = gap
        self.up = 0
        self.down = 0
        self.flights = []
        self._last_up = None
        self._server_spoke = True

    def saw(self, upward, size):
        now = time.monotonic()
        if not upward:
            self.down += size
            self._server_spoke = True
            return
        self.up += size
        if self._server_spoke and (self._last_up is None or now - self._last_up >= self.gap):
            self.flights.append([now, 0])
        self.flights[-1][1] += size
        self._server_spoke = False
        self._last_up = now


class ShapedLink:
    def __init__(self, target_port, rate_mbit=100.0, one_way_delay_ms=10.0,
                 buffer_bytes=512 * 1024):
        self.target_port = target_port
        self.rate_bytes = rate_mbit * 1e6 / 8
        self.delay = one_way_delay_ms / 1000.0
        self.buffer = buffer_bytes
        self.port = None
        self.connections = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        self._ready.wait(10)
        return self.port

    def stop(self):
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self):
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _handle(self, client_r, client_w):
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_w.close()
            return
        record = ConnectionRecord(self.delay)
        self.connections.append(record)
        await asyncio.gather(self._pipe(client_r, server_w, record, True),
                             self._pipe(server_r, client_w, record, False),
                             return_exceptions=True)
        for w in (client_w, server_w):
            w.close()

    async def _pipe(self, src, dst, record, upward):
        loop = asyncio.get_running_loop()
        queue = asyncio.Queue()
        state = {"next_free": 0.0, "in_flight": 0}
        drained = asyncio.Event()

        async def take():
            while True:
                data = await src.read(65536)
                now = loop.time()
                if data:
                    record.saw(upward, len(data))
                if not data:
                    await queue.put((None, max(now, state["next_free"]) + self.delay))
                    return
                # The link sends one chunk after another at the rate, then it travels `delay`.
                start = max(now, state["next_free"])
                state["next_free"] = start + len(data) / self.rate_bytes
                state["in_flight"] += len(data)
                await queue.put((data, state["next_free"] + self.delay))
                while state["in_flight"] > self.buffer:
                    drained.clear()
                    await drained.wait()

        async def give():
            while True:
                data, due = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if data is None:
                    if dst.can_write_eof():
                        dst.write_eof()
                    return
                dst.write(data)
                await dst.drain()
                state["in_flight"] -= len(data)
                drained.set()

        await asyncio.gather(take(), give())
