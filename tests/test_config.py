"""Hall configuration: the bundled halls load, and every mistake names the file, the line and the problem."""

from __future__ import annotations

import subprocess
import sys

import pytest

from queue_server.config import CONFIG_DIR, ConfigError, check_hall, load_hall

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


POLICY_END = "postpone_return_priority = 1"  # the last line of the small hall's [policy]
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
    (POLICY_END, f'{POLICY_END}\n[board]\nenglish = "sometimes"', 'english = "sometimes"',
     'english must be "always", "recall" or "never"'),
    (POLICY_END, f"{POLICY_END}\n[board]\nscreen_inches = 5", "screen_inches = 5", "from 10 to 150"),
    (POLICY_END, f"{POLICY_END}\n[board]\nviewing_metres = 0", "viewing_metres = 0", "from 1 to 50"),
    (POLICY_END, f"{POLICY_END}\n[board]\nviewing_metres = \"far\"", 'viewing_metres = "far"',
     "expected float"),
    (POLICY_END, f"{POLICY_END}\n[board]\nscreen_size = 55", "screen_size = 55", "unknown setting"),
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


@pytest.mark.parametrize(("written", "english"), [('"always"', "always"), ('"recall"', "recall"),
                                                 ('"never"', "never"), ("true", "always"), ("false", "never"),
                                                 (None, "never")])
def test_board_english_and_screen_settings(tmp_path, written, english) -> None:  # type: ignore[no-untyped-def]
    """`english` takes "always", "recall" or "never", and the first releases' true / false; the board's screen
    and viewing distance default to a 55\" screen read from 10 m."""
    board = "[board]\n" + (f"english = {written}\n" if written else "")
    path = tmp_path / "hall.toml"
    path.write_text(SMALL_HALL + board, encoding="utf-8")
    settings = load_hall(path).board
    assert settings.english == english
    assert [settings.english_call(recall) for recall in (False, True)] == {
        "always": [True, True], "recall": [False, True], "never": [False, False]}[english]
    assert (settings.screen_inches, settings.viewing_metres) == (55, 10)
    path.write_text(SMALL_HALL + "[board]\nscreen_inches = 75\nviewing_metres = 12.5\n", encoding="utf-8")
    assert (load_hall(path).board.screen_inches, load_hall(path).board.viewing_metres) == (75, 12.5)


def test_rhyming_prefixes_are_a_warning_with_file_and_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """П, Т, В ("пе", "те", "ве") and Р, М ("ер", "ем") are easily mistaken in a hall's call: the hall still
    loads, and the warning names the services, in Ukrainian and English, at the line where the rhyme starts."""
    path = tmp_path / "hall.toml"
    path.write_text(SMALL_HALL, encoding="utf-8")
    hall, warnings = check_hall(path)
    assert len(hall.services) == 7
    assert [w.line for w in warnings] == [_line_of(SMALL_HALL, 'prefix = "Т"'), _line_of(SMALL_HALL, 'prefix = "М"')]
    first, second = (str(w) for w in warnings)
    assert first.startswith(f"{path}:{warnings[0].line}: categories[0].services[4].prefix: попередження: ")
    for words in ("префікси П, Т, В звучать у залі схоже", "«пе», «те», «ве»", "warning: prefixes П, Т, В sound "
                  "alike", "П: passport; Т: vehicles; В: evening"):
        assert words in first, first
    assert "Р, М" in second and "Р: residence, extract; М: migration" in second, second
    # Letters that sound apart: nothing to say.
    apart = SMALL_HALL.replace('prefix = "Т"', 'prefix = "А"').replace('prefix = "В"', 'prefix = "О"')
    apart = apart.replace('prefix = "М"', 'prefix = "У"')
    path.write_text(apart, encoding="utf-8")
    assert check_hall(path)[1] == []
    # A Latin "A" typed for the Cyrillic "А": the voice cannot say it.
    path.write_text(apart.replace('prefix = "А"', 'prefix = "A"'), encoding="utf-8")
    (latin,) = check_hall(path)[1]
    assert latin.line == _line_of(apart, 'prefix = "А"') and "no name for the letters A" in latin.message


def test_cli_check_config_prints_warnings_and_succeeds(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hall.toml"
    path.write_text(SMALL_HALL, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "queue_server", "check-config", str(path)], capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr
    assert f"{path}: ok" in run.stdout and "2 warnings / попереджень" in run.stdout
    lines = run.stderr.splitlines()
    rhymes_at = [_line_of(SMALL_HALL, f'prefix = "{letter}"') for letter in ("Т", "М")]
    assert lines[0].startswith(f"{path}:{rhymes_at[0]}: ") and "попередження" in lines[0]
    assert lines[1].startswith(f"{path}:{rhymes_at[1]}: ") and "warning" in lines[1]
