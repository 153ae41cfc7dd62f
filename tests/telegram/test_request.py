"""The aiohttp request backend speaks the Bot API like PTB's default one."""

from __future__ import annotations

import json

import pytest
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.request import AiohttpRequest
from tests.fake_telegram import FakeTelegram
from tests.harness import TOKEN


async def test_json_and_multipart_bodies_and_errors(tg: FakeTelegram) -> None:
    request = AiohttpRequest(2, timeout=1)
    await request.initialize()
    try:
        url = f"{tg.base_url}{TOKEN}/setMyCommands"
        data = RequestData([RequestParameter.from_input("commands", [{"command": "a"}])])
        status, body = await request.do_request(url, "POST", data)
        assert status == 200 and json.loads(body) == {"ok": True, "result": True}
        assert tg.calls_of("setMyCommands")[-1].params["commands"] == [{"command": "a"}]

        upload = InputFile(b"hello", filename="note.txt", attach=True)
        data = RequestData(
            [
                RequestParameter.from_input("chat_id", 5),
                RequestParameter.from_input("document", upload),
            ]
        )
        status, _ = await request.do_request(url, "POST", data)
        params = tg.calls_of("setMyCommands")[-1].params
        assert status == 200 and str(params["chat_id"]) == "5"
        attached = [v for k, v in params.items() if k.startswith("attach")]
        assert str(params["document"]).startswith("attach://")
        assert attached and attached[0].filename == "note.txt"  # sent as a multipart file

        tg.fail("setMyCommands", 200, "slow", delay=2.0)
        with pytest.raises(TimedOut):
            await request.do_request(url, "POST", None, read_timeout=0.3)
        with pytest.raises(NetworkError):
            await request.do_request("http://127.0.0.1:9/bot/x", "POST", None)
    finally:
        await request.shutdown()
