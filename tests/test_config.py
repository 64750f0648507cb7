"""Hall configuration: the bundled halls load, and every mistake names the file, the line and the problem."""

from __future__ import annotations

import subprocess
import sys

import pytest

from queue_server.config import CONFIG_DIR, ConfigError, load_hall

from .halls import SMALL_HALL


def test_bundled_halls() -> None:
    demo = load_hall(CONFIG_DIR / "demo_hall.toml")
    assert len(demo.desks) == 18
    assert len(demo.categories) >= 10 and len(demo.services) >= 60
    assert demo.hours["tue"] is not None and demo.hours["tue"].end.hour == 20
    assert demo.hours["sun"] is None
    assert {"disability", "defender-family", "military"} <= set(demo.priority_categories)
    assert all(s.name.uk and s.name.en for s in demo.services.values())
    assert any(s.registry_backed for s in demo.services.values())
    assert demo.services["id-card"].documents is not None
    assert demo.dispatch.level_head_start_minutes == 30 and not demo.dispatch.strict_tiers
    remote = load_hall(CONFIG_DIR / "remote_workplace.toml")
    assert len(remote.desks) == 2 and remote.hours["thu"] is not None


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


MISTAKES = [
    # (replace this, with this, the line that must be named (text on it), words in the message)
    ('"passport" = 10, "residence" = 5', '"pasport" = 10, "residence" = 5', '"pasport" = 10', "unknown service"),
    ('tue = "08:00-20:00"', 'tue = "20:00-08:00"', 'tue = "20:00-08:00"', "ends before it starts"),
    ('tue = "08:00-20:00"', 'tue = "8 to 8"', 'tue = "8 to 8"', "time range"),
    ('  prefix = "Т"', '  prefix = "T1"', 'prefix = "T1"', "prefix must be 1-3 letters"),
    ("recall_limit = 2", "recall_limit = -1", "recall_limit = -1", "must not be negative"),
    ("recall_limit = 2", "recall_limit = 2\n[dispatch]\ncap_minutes = 500", "cap_minutes = 500", "from 0 to 240"),
    ("recall_limit = 2", "recall_limit = 2\n[dispatch]\nhead_start = 5", "head_start = 5", "unknown setting"),
    ("recall_limit = 2", "recall_limit = 2\n[dispatch]\nstrict_tiers = 1", "strict_tiers = 1", "expected bool"),
    ("recall_limit = 2", 'recall_limit = "two"', 'recall_limit = "two"', "expected int"),
    ('  daily_limit = 2', '  daily_limit = 0', "daily_limit = 0", "at least 1"),
    ('role = "supervisor"', 'role = "boss"', 'role = "boss"', "role must be one of"),
    ('  id = "vehicles"', '  id = "passport"  # again', 'id = "passport"  # again', "duplicate service id"),
    ('days = ["wed"]', 'days = ["wednesday"]', 'days = ["wednesday"]', "weekdays"),
    ('services = ["residence", "extract", "consult"]', 'services = ["residence", "nope"]',
     'services = ["residence", "nope"]', "unknown service"),
    ('desks = [3]', 'desks = [30]', "desks = [30]", "unknown desk"),
]


@pytest.mark.parametrize(("old", "new", "where", "words"), MISTAKES)
def test_config_errors_name_file_line_and_problem(tmp_path, old, new, where, words) -> None:  # type: ignore[no-untyped-def]
    assert old in SMALL_HALL
    text = SMALL_HALL.replace(old, new, 1)
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as failure:
        load_hall(path)
    error = failure.value
    expected_line = _line_of(text, where)
    assert str(error).startswith(f"{path}:{error.line}: ")
    assert words in error.message, error.message
    assert error.line == expected_line, (str(error), expected_line)


def test_secret_must_be_hashed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = SMALL_HALL.replace('login = "sue"\nrole = "supervisor"\nsecret_hash = "',
                              'login = "sue"\nrole = "supervisor"\nsecret_hash = "plain1234"\n#"')
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="never plain text"):
        load_hall(path)


def test_syntax_error_has_a_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hall.toml"
    path.write_text(SMALL_HALL.replace("[policy]", "[policy"), encoding="utf-8")
    with pytest.raises(ConfigError) as failure:
        load_hall(path)
    assert failure.value.line == _line_of(path.read_text(), "[policy") and "TOML syntax" in str(failure.value)


def test_every_service_needs_a_desk(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hall.toml"
    path.write_text(SMALL_HALL.replace('services = {{ "migration" = 10 }}'.replace("{{", "{").replace("}}", "}"),
                                       'services = { "passport" = 1 }'), encoding="utf-8")
    with pytest.raises(ConfigError, match="no desk serves migration"):
        load_hall(path)


def test_cli_check_config(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ok = subprocess.run([sys.executable, "-m", "queue_server", "check-config"], capture_output=True, text=True)
    assert ok.returncode == 0 and "67 services, 18 desks" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL_HALL.replace('"passport" = 10, "residence" = 5', '"pasport" = 10, "residence" = 5'))
    failed = subprocess.run([sys.executable, "-m", "queue_server", "check-config", str(bad)],
                            capture_output=True, text=True)
    assert failed.returncode == 2
    assert f"{bad}:{_line_of(bad.read_text(), 'pasport')}: desks[0].services.pasport: unknown service" in failed.stderr


def test_cli_token_and_hash(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = subprocess.run([sys.executable, "-m", "queue_server", "token", "--role", "kiosk", "--name", "k1",
                          "--data-dir", str(tmp_path)], capture_output=True, text=True, check=True)
    assert len(out.stdout.strip()) >= 40
    hashed = subprocess.run([sys.executable, "-m", "queue_server", "hash-secret"], input="4321\n",
                            capture_output=True, text=True, check=True)
    from queue_server.passwords import verify_secret

    assert verify_secret("4321", hashed.stdout.strip()) and not verify_secret("1234", hashed.stdout.strip())
