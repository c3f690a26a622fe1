"""A webhook receiver on a real socket: records every request and answers with the next status
of its script (then 200)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.requests import Request
from starlette.responses import Response


@dataclass
class Receiver:
    url: str
    script: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@asynccontextmanager
async def receiver(*script: int) -> AsyncIterator[Receiver]:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    found = Receiver(url=f"http://127.0.0.1:{port}/hooks/cmms", script=list(script))

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        request = Request(scope, receive)  # type: ignore[arg-type]
        found.received.append((dict(request.headers), await request.body()))
        status = found.script.pop(0) if found.script else 200
        await Response(status_code=status)(scope, receive, send)  # type: ignore[arg-type]

    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield found
    finally:
        server.should_exit = True
        await task
