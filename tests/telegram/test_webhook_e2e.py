"""Webhook mode: refusals cost nothing, every update is kept before the 200, poison set aside."""

from __future__ import annotations

import http.client
import json
import select
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.telegram.app import ALLOWED_UPDATES
from tests.fake_telegram import Call, FakeTelegram
from tests.harness import BotProcess, message, new_user

SECRET = "s3cret_value-1"
PATH = "/telegram"
MIB = 1024 * 1024
WORDS = "my-private-words-42"  # what a person wrote: never in the log


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Hook:
    """The bot in webhook mode, and ways to post to it."""

    def __init__(self, tg: FakeTelegram, workdir: Path) -> None:
        self.tg = tg
        self.port = _free_port()
        self.bot = BotProcess(
            tg,
            workdir,
            {
                "WEBHOOK_URL": f"http://127.0.0.1:{self.port}{PATH}",
                "WEBHOOK_SECRET": SECRET,
                "WEBHOOK_LISTEN": "127.0.0.1",
                "WEBHOOK_PORT": str(self.port),
            },
        )

    def start(self) -> Hook:
        hooks = len(self.tg.calls_of("setWebhook"))
        self.bot.start(wait=False)
        self.tg.wait_for("setWebhook", hooks + 1, timeout=30)  # set once the server listens
        return self

    def post(
        self, body: bytes, secret: str | None = SECRET, method: str = "POST", path: str = PATH
    ) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers)
            return conn.getresponse().status
        finally:
            conn.close()

    def post_update(self, update: dict[str, Any]) -> int:
        return self.post(json.dumps(update).encode())

    def stream(self, size: int, secret: str | None, chunked: bool = False) -> tuple[int, int]:
        """POST a body of `size` bytes, sent in pieces until the server answers;
        returns the status and how many body bytes went out before the answer."""
        head = f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        if secret is not None:
            head += f"X-Telegram-Bot-Api-Secret-Token: {secret}\r\n"
        head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {size}\r\n"
        chunk = b"[" * (64 * 1024)
        piece = b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk
        sent = 0
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall((head + "\r\n").encode())
            while sent < size and not select.select([sock], [], [], 0)[0]:
                try:
                    sock.sendall(piece)
                except OSError:
                    break  # the server closed: its answer is waiting
                sent += len(chunk)
            answer = sock.recv(4096)
        return int(answer.split()[1]), sent

    def rss_kib(self) -> int:
        assert self.bot.proc is not None
        status = Path(f"/proc/{self.bot.proc.pid}/status").read_text()
        line = next(row for row in status.splitlines() if row.startswith("VmRSS:"))
        return int(line.split()[1])


@pytest.fixture
def hook(tg: FakeTelegram, tmp_path: Path) -> Iterator[Hook]:
    running = Hook(tg, tmp_path).start()
    yield running
    if running.bot.proc and running.bot.proc.poll() is None:
        assert running.bot.stop() == 0, running.bot.log()


def text(call: Call) -> str:
    return str(call.params["text"])


def test_unauthenticated_and_oversized_bodies_are_refused_unread(hook: Hook) -> None:
    small = json.dumps({"update_id": 1, "message": message(1, "hi")}).encode()
    assert hook.post(small, secret="wrong") == 403
    assert hook.post(small, secret=None) == 403
    assert hook.post(small, method="GET") == 405
    assert hook.post(small, path="/elsewhere") == 404
    assert not hook.tg.calls_of("sendMessage")

    before = hook.rss_kib()
    results: list[tuple[int, int]] = []

    def attack(secret: str | None, chunked: bool) -> None:
        results.append(hook.stream(50 * MIB, secret, chunked))

    # Eight bodies of 50 MiB at once: no secret (declared and chunked), and the right
    # secret but too big (declared and chunked).
    threads = [
        threading.Thread(target=attack, args=(secret, chunked))
        for secret in (None, "wrong", SECRET)
        for chunked in (False, True)
    ]
    threads += [threading.Thread(target=attack, args=(SECRET, True)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    grown = hook.rss_kib() - before
    statuses = sorted(status for status, _ in results)
    assert statuses == [403] * 4 + [413] * 4, results
    assert all(sent < 50 * MIB for _, sent in results), results  # cut off, not read whole
    assert grown < 30 * 1024, f"RSS grew by {grown} KiB"

    assert hook.stream(2 * MIB, SECRET)[0] == 413  # refused from its Content-Length alone
    assert hook.post(b"x" * (MIB + 1)) == 413
    ann = new_user(hook.tg)  # the bot still answers afterwards
    assert hook.post_update({"update_id": 5, "message": message(ann.user_id, "is it safe")}) == 200
    assert "safe" in text(ann.reply())


def test_a_body_that_is_not_a_json_object_is_400_without_a_traceback(hook: Hook) -> None:
    for body in (b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe{", b"", b"[" * 100_000):
        assert hook.post(body) == 400, body[:20]
    log = hook.bot.log()
    assert log.count("not a JSON object: answered 400") == 6
    assert "Traceback" not in log and "ERROR" not in log


def test_updates_are_kept_answered_once_and_poison_is_set_aside(hook: Hook) -> None:
    webhook = hook.tg.calls_of("setWebhook")[-1].params
    assert webhook["secret_token"] == SECRET
    assert webhook["url"] == f"http://127.0.0.1:{hook.port}{PATH}"
    assert webhook["allowed_updates"] == ALLOWED_UPDATES  # not every type

    ann, bob = new_user(hook.tg), new_user(hook.tg)
    update = {"update_id": 700, "message": message(ann.user_id, "is it safe")}
    assert hook.post_update(update) == 200
    assert hook.bot.query("SELECT update_id FROM inbox WHERE update_id = 700") == [(700,)]
    assert "safe" in text(ann.reply())
    assert hook.post_update(update) == 200  # Telegram re-delivers it
    assert ann.nothing_more()

    poison = {"update_id": 701, "message": message(bob.user_id, WORDS, date="yesterday")}
    assert hook.post_update(poison) == 200  # else Telegram would retry it forever
    hook.post_update({"update_id": 702, "message": message(bob.user_id, "any side effects")})
    assert "diarrhea" in text(bob.reply())
    cleaned = message(bob.user_id, "is it\u0000 safe\ud800")
    assert hook.post(json.dumps({"update_id": 703, "message": cleaned}).encode()) == 200
    assert "safe" in text(bob.reply())
    assert "Traceback" not in hook.bot.log() and WORDS not in hook.bot.log()

    started = time.monotonic()
    assert hook.bot.stop(signal.SIGTERM) == 0, hook.bot.log()
    assert time.monotonic() - started < 5
    # Read after the stop: while it runs, the row can sit behind a read still open on the
    # main connection (an autocommit write commits when the connection's last statement ends).
    rows = hook.bot.query("SELECT update_id, error FROM dead_letters")
    assert rows == [(701, "TypeError")]


def test_an_update_admitted_but_not_answered_before_kill_9_is_answered_after_restart(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    first = Hook(tg, tmp_path).start()
    ann = new_user(tg)
    tg.fail("sendMessage", 200, "", delay=10.0)  # the reply hangs in flight
    assert first.post_update({"update_id": 900, "message": message(ann.user_id, "is it safe")})
    tg.wait_for("sendMessage", 1, chat_id=ann.chat_id)
    first.bot.stop(signal.SIGKILL)

    second = Hook(tg, tmp_path)
    second.port = first.port
    second.bot.env = first.bot.env
    second.start()
    try:
        calls = tg.wait_for("sendMessage", 2, chat_id=ann.chat_id, timeout=15)
        assert "safe" in text(calls[-1])
        assert "left unhandled by the last run" in second.bot.log()
    finally:
        assert second.bot.stop() == 0, second.bot.log()
