"""The live configuration out and back in (docs/configuration.md "Live changes and the hall file"): real server
processes, the real `cherha export-config`, `check-config` and `import-config` commands.

A centre changed live is exported; the file checks clean; imported into a fresh server it gives the same
configuration (exported again: the same file), as audited changes; started from, it is a fixed point too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from queue_server.config import DEMO_HALL

from .process import ServerProcess


def _request(url: str, method: str = "GET", body: Any = None, token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if response.headers.get_content_type() == "application/json" \
                else text
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _admin(server: ServerProcess) -> str:
    status, session = _request(server.url + "/api/sessions", "POST", {"login": "admin", "password": "admin-demo"})
    assert status == 201, session
    token: str = session["token"]
    return token


def _cherha(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "queue_server", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def _change_a_lot(server: ServerProcess, token: str) -> None:
    changes: list[tuple[str, str, Any]] = [
        ("POST", "operators", {"login": "olena", "name": "Олена", "role": "supervisor", "desks": [1, 2]}),
        ("PATCH", "operators/op05", {"disabled": True}),
        ("PUT", "desks/3", {"zone": "Б", "open_by_default": False, "days": ["mon", "tue"],
                            "services": [{"service": "birth", "weight": 10}, {"service": "marriage", "weight": 0}]}),
        ("PUT", "desks/19", {"zone": "Е", "services": [{"service": "death", "weight": 5}]}),
        ("PUT", "categories/veterans", {"name": {"uk": "Ветеранам", "en": "Veterans"}, "order": 2,
                                        "first_service": {"id": "veteran-status", "category": "veterans",
                                                          "prefix": "Ю", "name": {"uk": "Статус ветерана"},
                                                          "avg_minutes": 12.5, "daily_limit": 40,
                                                          "documents": {"uk": "Посвідчення", "en": "ID"},
                                                          "hours": "09:00-13:00", "desks": {"19": 10}}}),
        ("PUT", "services/birth", {"category": "civil", "prefix": "Ц", "name": {"uk": "Реєстрація народження"},
                                   "avg_minutes": 18.0, "bookable": False, "registry": True, "order": 3}),
        ("PUT", "bundles/veteran", {"name": {"uk": "Ветеран"}, "services": ["veteran-status", "residence-register"]}),
        ("PATCH", "centre", {"public_url": "https://cnap.example.ua", "holidays": ["2026-12-25", "2027-01-07"],
                             "shortened": {"2026-12-31": "08:00-13:00"}, "hours": {"sun": "09:00-13:00"},
                             "policy": {"sla_walk_in_minutes": 20},
                             "booking": {"slot_minutes": 20, "days_ahead": 21, "phone_retention_days": 14},
                             "priority_categories": [{"id": "military", "name": {"uk": "Військовослужбовець"},
                                                      "level": 1, "daily_cap": 30}]}),
    ]
    for method, path, body in changes:
        status, answer = _request(server.url + "/api/admin/" + path, method, body, token)
        assert status in (200, 201), (path, answer)


def test_export_import_export_gives_the_same_configuration(tmp_path: Path) -> None:
    # Three server processes and four commands on a machine shared by many: starts get a minute, not 15 s.
    first = ServerProcess(tmp_path / "a")
    first.start(timeout=60)
    try:
        token = _admin(first)
        _change_a_lot(first, token)
        _status, live = _request(first.url + "/api/admin/config", token=token)
        exported = _cherha("export-config", "--config", str(DEMO_HALL), "--data-dir", str(first.data_dir))
        assert exported.returncode == 0, exported.stderr
        assert exported.stdout == live, "the command and the API write the same file"
    finally:
        first.stop()
    assert 'public_url = "https://cnap.example.ua"' in live and '"veteran-status"' in live
    hall_file = tmp_path / "exported.toml"
    hall_file.write_text(live, encoding="utf-8")
    checked = _cherha("check-config", str(hall_file))
    assert checked.returncode == 0 and "ok" in checked.stdout, checked.stderr

    fresh = ServerProcess(tmp_path / "b")
    fresh.start(timeout=60)
    try:
        dry = _cherha("import-config", str(hall_file), "--server", fresh.url, "--dry-run",
                      env={"CHERHA_PIN": "admin-demo"})
        assert dry.returncode == 0 and "dry run" in dry.stdout, dry.stderr
        token = _admin(fresh)
        assert _request(fresh.url + "/api/admin/config", token=token)[1] != live, "a dry run changes nothing"
        imported = _cherha("import-config", str(hall_file), "--server", fresh.url, env={"CHERHA_PIN": "admin-demo"})
        assert imported.returncode == 0, imported.stderr
        assert _request(fresh.url + "/api/admin/config", token=token)[1] == live
        entries = _request(fresh.url + "/api/admin/audit?limit=200", token=token)[1]["entries"]
        assert entries[-1]["kind"] == "import" and entries[-1]["by"] == "admin"
        assert {e["kind"] for e in entries} >= {"import", "operator", "desk", "service", "category", "bundle", "centre"}
        again = _request(fresh.url + "/api/admin/config", "POST", {"toml": live}, token)[1]
        assert again["changes"] == [], "importing the same file again changes nothing"
        wrong = live.replace("[[desks]]", "[[desk]]", 1)
        status, broken = _request(fresh.url + "/api/admin/config", "POST", {"toml": wrong}, token)
        assert (status, broken["error"]["code"]) == (400, "config_invalid")
        assert "import.toml:" in broken["error"]["params"]["error"]
    finally:
        fresh.stop()
    # The exported file started from is a fixed point: it exports as itself.
    started = ServerProcess(tmp_path / "c", config=hall_file)
    started.start(timeout=60)
    try:
        assert _request(started.url + "/api/admin/config", token=_admin(started))[1] == live
    finally:
        started.stop()
