"""The kiosk's REST client: plain blocking HTTP (run from a worker thread), Qt-free.

`Offline` means "no answer": the kiosk waits and retries the same command id, so a ticket whose answer
was lost is returned again, never issued twice. `Refused` is the server's clear no, with its code.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class Offline(Exception):
    pass


class Refused(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("code"))
        self.code: str = str(error.get("code"))
        self.error = error


class KioskApi:
    def __init__(self, server: str, token: str, timeout: float = 5.0) -> None:
        self.server, self.token, self.timeout = server.rstrip("/"), token, timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.server + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                result: dict[str, Any] = json.loads(response.read())
                return result
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                raise Offline(f"server error {error.code}") from None
            try:
                payload = json.loads(error.read())
            except ValueError:
                raise Offline(f"unreadable answer {error.code}") from None
            raise Refused(payload["error"]) from None
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            raise Offline(str(error)) from None

    def hall(self) -> dict[str, Any]:
        return self._call("GET", "/api/hall")

    def issue(self, command_id: str, service_id: str | None, lang: str,
              priority_category: str | None = None, bundle_id: str | None = None) -> dict[str, Any]:
        """A ticket for a service, or for a life situation's services (`bundle_id`)."""
        body: dict[str, Any] = {"command_id": command_id, "lang": lang}
        body.update({"bundle_id": bundle_id} if bundle_id else {"service_id": service_id})
        if priority_category:
            body["priority_category"] = priority_category
        return self._call("POST", "/api/tickets", body)

    def check_in(self, command_id: str, code: str, lang: str) -> dict[str, Any]:
        return self._call("POST", "/api/checkins", {"command_id": command_id, "code": code, "lang": lang})

    def heartbeat(self, printer_problem: str | None) -> dict[str, Any]:
        return self._call("POST", "/api/devices/heartbeat", {"printer_problem": printer_problem})

    def call_help(self, lang: str, accessible: bool) -> dict[str, Any]:
        """A visitor asks for an administrator: an alert on the supervisor's dashboard."""
        return self._call("POST", "/api/devices/help", {"lang": lang, "accessible": accessible})

    def log_accessible(self, record: dict[str, Any]) -> dict[str, Any]:
        """`record` carries its own command id, made when the session ended: a resend is not a second log."""
        return self._call("POST", "/api/accessibility", record)
