"""A fake Telegram Bot API server on 127.0.0.1, for end-to-end tests.

It speaks the real envelopes ({"ok": true, "result": ...} and errors with
error_code, description and parameters.retry_after), long-polls getUpdates
with offsets, records every call, and can be told to fail the next calls of
a method. It runs its own event loop in a thread, so tests can drive it
with plain blocking calls: push an update, wait for the bot's reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 7000001
BOT_USERNAME = "magnesium_faq_bot"
# What getMe answers, here and in the in-process harness.
BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Magnesium FAQ",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,  # inline mode on (BotFather /setinline)
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    result: Any = None  # what the server answered, once it has (e.g. the sent Message)


@dataclass
class Fault:
    status: int
    description: str
    retry_after: int | None = None
    delay: float = 0.0
    times: int = 1


@dataclass
class FakeTelegram:
    token: str
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    blocked_chats: set[int] = field(default_factory=set)
    port: int = 0
    delivered_at: dict[int, float] = field(default_factory=dict)  # update_id -> first delivery
    documents: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id -> file
    pushed: dict[int, dict[str, Any]] = field(default_factory=dict)  # every update, by id
    _again: set[int] = field(default_factory=set)  # redeliver(): served once more, offset or not
    _next_update: int = 1
    _next_message: int = 1000
    _poll_generation: int = 0  # release_polls() ends the long polls of older generations
    _cond: threading.Condition = field(default_factory=threading.Condition)

    # -- lifecycle (test thread) ------------------------------------------

    def start(self) -> FakeTelegram:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Telegram server did not start")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main(ready))
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    async def _main(self, ready: threading.Event) -> None:
        self._stopping = asyncio.Event()
        self._new_update = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        ready.set()
        await self._stopping.wait()
        await runner.cleanup()

    # -- driving the bot (test thread) ------------------------------------

    def push(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update; returns its update_id."""
        with self._cond:
            update_id = self._next_update
            self._next_update += 1
            self.updates.append({"update_id": update_id, kind: payload})
            self.pushed[update_id] = self.updates[-1]
        self._loop.call_soon_threadsafe(self._new_update.set)
        return update_id

    def push_raw(self, update: dict[str, Any]) -> int:
        """Queue an update exactly as given (malformed ones too); returns its update_id."""
        with self._cond:
            update_id = self._next_update
            self._next_update += 1
            self.updates.append({"update_id": update_id, **update})
            self.pushed[update_id] = self.updates[-1]
        self._loop.call_soon_threadsafe(self._new_update.set)
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Serve an update again, as Telegram does when the offset confirming it was lost."""
        with self._cond:
            self.updates.insert(0, self.pushed[update_id])
            self._again.add(update_id)
        self._loop.call_soon_threadsafe(self._new_update.set)

    def release_polls(self) -> None:
        """Answer every pending long poll now (with no updates), so a fault set for
        getUpdates reaches the bot at once rather than after the poll's timeout."""
        with self._cond:
            self._poll_generation += 1
        self._loop.call_soon_threadsafe(self._new_update.set)

    def fail(self, method: str, status: int, description: str, **kw: Any) -> None:
        """Make the next call(s) of `method` fail like Telegram would."""
        with self._cond:
            self.faults.setdefault(method, []).append(Fault(status, description, **kw))

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 10.0, **match: Any
    ) -> list[Call]:
        """Block until `count` calls of `method` whose params match have been recorded."""
        found = self.await_calls(method, count, timeout, **match)
        if len(found) < count:
            with self._cond:
                seen = [(c.method, c.params.get("chat_id")) for c in self.calls[-15:]]
            raise AssertionError(f"no {count} x {method} {match} within {timeout}s: {seen}")
        return found

    def await_calls(self, method: str, count: int, timeout: float, **match: Any) -> list[Call]:
        """The matching calls as soon as there are `count`, or whatever there is at `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method and _matches(c.params, match)]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    return found
                self._cond.wait(remaining)

    def result_of(self, call: Call, timeout: float = 10.0) -> Any:
        """What the server answered to `call` (it is recorded a moment before it is answered)."""
        with self._cond:
            if not self._cond.wait_for(lambda: call.result is not None, timeout):
                raise AssertionError(f"{call.method} was not answered within {timeout}s")
            return call.result

    def calls_of(self, method: str, **match: Any) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method and _matches(c.params, match)]

    # -- the HTTP side (server thread) ------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        params = await _params(request)
        call = Call(method, params, time.monotonic())
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()
            queue = self.faults.get(method)
            fault = queue[0] if queue else None
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    queue.pop(0)  # type: ignore[union-attr]
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status != 200:
                return _error(fault.status, fault.description, fault.retry_after)
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        with self._cond:
            call.result = result
            self._cond.notify_all()
        return web.json_response({"ok": True, "result": result})

    async def api_getMe(self, _: dict[str, Any]) -> dict[str, Any]:
        return dict(BOT_USER)

    async def api_deleteWebhook(self, _: dict[str, Any]) -> bool:
        return True

    async def api_setWebhook(self, _: dict[str, Any]) -> bool:
        return True

    async def api_setMyCommands(self, _: dict[str, Any]) -> bool:
        return True

    async def api_answerCallbackQuery(self, _: dict[str, Any]) -> bool:
        return True

    async def api_setMyDescription(self, params: dict[str, Any]) -> bool | web.Response:
        if len(str(params.get("description") or "")) > 512:
            return _error(400, "Bad Request: bot description is too long")
        return True

    async def api_setMyShortDescription(self, params: dict[str, Any]) -> bool | web.Response:
        if len(str(params.get("short_description") or "")) > 120:
            return _error(400, "Bad Request: bot short description is too long")
        return True

    async def api_answerInlineQuery(self, params: dict[str, Any]) -> bool | web.Response:
        if len(params.get("results") or []) > 50:
            return _error(400, "Bad Request: RESULTS_TOO_MUCH")
        return True

    async def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        generation = self._poll_generation
        while True:
            with self._cond:
                if generation != self._poll_generation:
                    return []
                if offset:
                    self.updates = [
                        u
                        for u in self.updates
                        if u["update_id"] >= offset or u["update_id"] in self._again
                    ]
                pending = self.updates[:limit]
                if pending:
                    now = time.monotonic()
                    for update in pending:
                        self.delivered_at.setdefault(update["update_id"], now)
                        if update["update_id"] in self._again:
                            self._again.discard(update["update_id"])
                            self.updates.remove(update)
                    return pending
                self._new_update.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), min(remaining, 1.0))

    async def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked_chats:
            return _error(403, "Forbidden: bot was blocked by the user")
        if not str(params.get("text", "")).strip():
            return _error(400, "Bad Request: message text is empty")
        if len(str(params["text"])) > 4096:
            return _error(400, "Bad Request: message is too long")
        self._next_message += 1
        message = {
            "message_id": self._next_message,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Magnesium FAQ"},
            "text": params["text"],
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    async def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "message_id": int(params.get("message_id", 0)),
            "date": int(time.time()),
            "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
            "text": params.get("text", ""),
        }

    async def api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self.api_editMessageText(params)

    async def api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        """A file upload (multipart): kept in `documents` by file_id, for `document_of`."""
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked_chats:
            return _error(403, "Forbidden: bot was blocked by the user")
        upload = params.get("document")
        if not isinstance(upload, web.FileField):
            return _error(400, "Bad Request: there is no document in the request")
        data = upload.file.read()
        if not data:
            return _error(400, "Bad Request: file must be non-empty")
        if len(str(params.get("caption", ""))) > 1024:
            return _error(400, "Bad Request: message caption is too long")
        self._next_message += 1
        file_id = f"doc{self._next_message}"
        self.documents[file_id] = (upload.filename, data)
        return {
            "message_id": self._next_message,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Magnesium FAQ"},
            "document": {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": upload.filename,
                "mime_type": upload.content_type,
                "file_size": len(data),
            },
            **({"caption": params["caption"]} if "caption" in params else {}),
        }

    def document_of(self, call: Call, timeout: float = 10.0) -> tuple[str, bytes]:
        """The file name and bytes a sendDocument call uploaded."""
        sent = self.result_of(call, timeout)
        return self.documents[sent["document"]["file_id"]]


def _matches(params: dict[str, Any], match: dict[str, Any]) -> bool:
    return all(str(params.get(k)) == str(v) for k, v in match.items())


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


async def _params(request: web.Request) -> dict[str, Any]:
    """Bot API parameters arrive as JSON, form fields or multipart; JSON values decoded."""
    raw: dict[str, Any]
    if request.content_type == "application/json":
        raw = await request.json()
    else:
        raw = dict(await request.post())
        raw.update(request.query)
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        out[key] = value
    return out
