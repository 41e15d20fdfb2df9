"""Fault injection: make chosen requests fail the way real networks and APIs do."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    import random

CONTROL_PREFIX = "/_sim"

HTML_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class FaultKind(StrEnum):
    """What an injected fault does."""

    ERROR = "error"  # the provider's own error body (type/code or status)
    DELAY = "delay"  # wait, then answer normally (longer than a client timeout)
    TRUNCATED = "truncated"  # the real answer, body cut in half
    NON_JSON = "non_json"  # 200 with a plain-text body
    HTML_502 = "html_502"  # a proxy's HTML error page
    DISCONNECT = "disconnect"  # close the connection without an answer


type Renderer = Callable[["Fault", web.Request], web.StreamResponse]
type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FaultSpecError(ValueError):
    """A fault description that cannot be used."""


@dataclass
class Fault:
    """One rule: which requests it hits and what it does to them."""

    fault_id: int
    kind: FaultKind
    path: str = ""
    method: str | None = None
    count: int | None = None
    fraction: float | None = None
    seconds: float = 0.0
    error: str | None = None
    code: str | None = None
    status: int | None = None
    retry_after: int | None = None
    description: str | None = None
    hits: int = 0
    pattern: re.Pattern[str] = field(default=re.compile(""), repr=False)

    @classmethod
    def from_spec(cls, fault_id: int, spec: dict[str, Any]) -> Fault:
        """Build a fault from the control API's JSON."""
        try:
            kind = FaultKind(spec.get("kind", "error"))
        except ValueError as err:
            msg = f"unknown fault kind {spec.get('kind')!r}"
            raise FaultSpecError(msg) from err
        path = str(spec.get("path", ""))
        try:
            pattern = re.compile(path)
        except re.error as err:
            msg = f"bad path pattern: {err}"
            raise FaultSpecError(msg) from err
        count = spec.get("count")
        fraction = spec.get("fraction")
        if count is not None and (not isinstance(count, int) or count < 1):
            msg = "count must be a positive integer"
            raise FaultSpecError(msg)
        if fraction is not None and (
            not isinstance(fraction, int | float) or not 0 < fraction <= 1
        ):
            msg = "fraction must be in (0, 1]"
            raise FaultSpecError(msg)
        if kind is FaultKind.ERROR and not (spec.get("error") or spec.get("status")):
            msg = "an error fault needs 'error' (a type) or 'status'"
            raise FaultSpecError(msg)
        method = spec.get("method")
        status = spec.get("status")
        retry_after = spec.get("retry_after")
        return cls(
            fault_id=fault_id,
            kind=kind,
            path=path,
            method=str(method).upper() if method else None,
            count=count,
            fraction=float(fraction) if fraction is not None else None,
            seconds=float(spec.get("seconds", 0.0)),
            error=spec.get("error"),
            code=spec.get("code"),
            status=int(status) if status is not None else None,
            retry_after=int(retry_after) if retry_after is not None else None,
            description=spec.get("description"),
            pattern=pattern,
        )

    def to_json(self) -> dict[str, Any]:
        """The fault as the control API shows it."""
        return {
            "id": self.fault_id,
            "kind": str(self.kind),
            "path": self.path,
            "method": self.method,
            "count": self.count,
            "fraction": self.fraction,
            "seconds": self.seconds,
            "error": self.error,
            "code": self.code,
            "status": self.status,
            "retry_after": self.retry_after,
            "hits": self.hits,
        }


class FaultRegistry:
    """The active faults and the renderers that speak each provider's errors."""

    def __init__(self, rng: random.Random) -> None:
        """Create an empty registry."""
        self._rng = rng
        self._next_id = 1
        self.faults: list[Fault] = []
        self.renderers: list[tuple[str, Renderer]] = []

    def add(self, spec: dict[str, Any]) -> Fault:
        """Add a fault from its JSON description."""
        fault = Fault.from_spec(self._next_id, spec)
        self._next_id += 1
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        self.faults.clear()

    def register_renderer(self, prefix: str, renderer: Renderer) -> None:
        """Use ``renderer`` for error faults on paths under ``prefix``."""
        self.renderers.append((prefix, renderer))
        self.renderers.sort(key=lambda item: len(item[0]), reverse=True)

    def pick(self, request: web.Request) -> Fault | None:
        """The fault that fires for this request, if any (consumes a count)."""
        for fault in self.faults:
            if fault.method and fault.method != request.method:
                continue
            if not fault.pattern.search(request.path):
                continue
            if fault.fraction is not None and self._rng.random() >= fault.fraction:
                continue
            fault.hits += 1
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
            return fault
        return None

    def render_error(self, fault: Fault, request: web.Request) -> web.StreamResponse:
        """The provider-specific error answer for an error fault."""
        for prefix, renderer in self.renderers:
            if request.path.startswith(prefix):
                return renderer(fault, request)
        return web.json_response(
            {"error": fault.error or "error", "description": fault.description},
            status=fault.status or 500,
        )


async def _truncated(handler: Handler, request: web.Request) -> web.StreamResponse:
    response = await handler(request)
    if not isinstance(response, web.Response) or response.body is None:
        return response
    body = response.body
    raw = body if isinstance(body, bytes) else str(body).encode()
    cut = raw[: max(1, len(raw) // 2)]
    truncated = web.Response(
        body=cut, status=response.status, content_type=response.content_type
    )
    for name, value in response.headers.items():
        if name.lower() not in ("content-length", "content-type"):
            truncated.headers[name] = value
    return truncated


def _simple_answer(fault: Fault) -> web.Response | None:
    """The canned answer of a fault that does not need the real handler."""
    if fault.kind is FaultKind.NON_JSON:
        return web.Response(
            text="Service temporarily unavailable (not JSON)",
            status=fault.status or 200,
            content_type="text/plain",
        )
    if fault.kind is FaultKind.HTML_502:
        return web.Response(text=HTML_502, status=502, content_type="text/html")
    return None


def fault_middleware(registry: FaultRegistry) -> Callable[..., Any]:
    """An aiohttp middleware that applies the registry's faults."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        fault = None
        if not request.path.startswith(CONTROL_PREFIX):
            fault = registry.pick(request)
        if fault is None:
            return await handler(request)
        # SIM CHOICE: a delay or a truncation happens on the way back: the
        # request itself is served (and billed, at Smartcar) as usual. Every
        # other kind answers in the provider's place and is not billed.
        if fault.kind is FaultKind.DELAY:
            await asyncio.sleep(fault.seconds)
            return await handler(request)
        if fault.kind is FaultKind.TRUNCATED:
            return await _truncated(handler, request)
        if fault.kind is FaultKind.DISCONNECT:
            if request.transport is not None:
                request.transport.close()
            raise asyncio.CancelledError
        simple = _simple_answer(fault)
        if simple is not None:
            return simple
        return registry.render_error(fault, request)

    return middleware
