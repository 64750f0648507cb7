"""The console's session, kept across a restart: the server, the desk, the login and the session token.

Never the PIN: it is checked once by the server, which answers with a session token (16 hours), and the token is
all the console needs to come back to its desk after a crash, a reboot or an update. The file is the operator's
own (mode 0600, in a folder of mode 0700), in the per-user application data folder (QStandardPaths'
AppLocalDataLocation: ~/.local/share/cherha-console on Linux, %LOCALAPPDATA% on Windows). Signing out, or a
token the server refuses, removes it. It also keeps which supervisor messages the operator has marked read, so
a restart does not show the day's messages as new again. Qt-free but for `default_path`.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

FILE_NAME = "session.json"


@dataclass(frozen=True)
class SavedSession:
    server: str
    desk: int
    login: str
    token: str
    read_until: str | None = None  # the `at` of the newest supervisor message marked read


class SessionStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> SavedSession | None:
        """The saved session, or None (none saved, or a file that is not one: it is ignored, not trusted)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            session = SavedSession(server=str(data["server"]), desk=int(data["desk"]), login=str(data["login"]),
                                   token=str(data["token"]), read_until=data.get("read_until"))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return session if session.token and session.server else None

    def save(self, session: SavedSession) -> None:
        """Written whole or not at all (a temporary file, then renamed), readable by this user only."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".session-", dir=self.path.parent)  # mode 0600
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(asdict(session), file, ensure_ascii=False)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def mark_read(self, read_until: str) -> None:
        session = self.load()
        if session is not None and session.read_until != read_until:
            self.save(replace(session, read_until=read_until))

    def forget(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def default_path() -> Path:
    """The per-user application data folder (needs the QApplication, named by `cherha console`)."""
    from PySide6.QtCore import QStandardPaths

    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(folder or Path.home() / ".local" / "share" / "cherha-console") / FILE_NAME
