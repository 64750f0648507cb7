"""Random input against the live server: WebSocket frames and REST bodies. No 5xx, no crash, no hang.

A short run here; bench/fuzz.py runs thousands more (and schemathesis against the OpenAPI document).
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .support import raw_ws, running_server

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=12,
)
TYPES = st.sampled_from(["ping", "issue_ticket", "call_next", "transfer", "postpone", "subscribe_events",
                         "set_desk_services", "hall_pause", "watch_visit", "set_clock", "nope", ""])
FRAMES = st.one_of(
    st.text(max_size=200),
    JSON.map(json.dumps),
    st.builds(lambda t, i, extra: json.dumps({"id": i, "type": t, **extra}), TYPES, st.integers(-5, 2**60),
              st.dictionaries(st.sampled_from(["command_id", "service_id", "minutes", "desk", "since", "weights",
                                               "ticket", "to_service", "at"]), JSON, max_size=4)),
)


async def fuzz_websocket(url: str, frames: list[str], auth: dict[str, object]) -> None:
    async with aiohttp.ClientSession() as http:
        ws, _ = await raw_ws(http, url, **auth)
        for frame in frames:
            await ws.send_str(frame)
        # The connection is alive and answers, after all of that. (A fuzzed id may already have reached
        # 2^53, so the answer to this ping may be "ids must increase": an answer all the same.)
        await ws.send_json({"id": 2**53, "type": "ping"})
        while True:
            message = await asyncio.wait_for(ws.receive_json(), 5)
            assert message.get("error", {}).get("code") != "internal_error", message
            if message.get("id") == 2**53:
                break
        await ws.close()


async def test_random_websocket_frames_and_rest_bodies(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        token = await server.device_token()
        rounds: list[list[str]] = []

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.lists(FRAMES, min_size=1, max_size=15))
        def collect(frames: list[str]) -> None:
            rounds.append(frames)

        collect()
        for frames in rounds:
            await fuzz_websocket(server.ws_url, frames, {"login": "op04", "password": "1111", "desk": 4})
            await fuzz_websocket(server.ws_url, frames, {"token": token})
        bodies: list[str] = []

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.one_of(JSON.map(json.dumps), st.text(max_size=100)))
        def collect_bodies(body: str) -> None:
            bodies.append(body)

        collect_bodies()
        for body in bodies:
            for path in ("/api/tickets", "/api/bookings", "/api/checkins", "/api/sessions", "/api/accessibility",
                         "/api/devices/heartbeat", "/api/feedback/" + "z" * 43):
                async with http.post(server.url + path, data=body.encode(),
                                     headers={"Authorization": f"Bearer {token}"}) as response:
                    assert response.status < 500, (path, body, await response.text())
        async with http.get(server.url + "/api/health") as response:
            assert response.status == 200
