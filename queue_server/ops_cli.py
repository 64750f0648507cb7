"""The operations subcommands of `cherha`: backups and restoring one (docs/deployment.md).

    cherha backup [--data-dir DIR] [--to DIR] [--second-dir DIR] [--config FILE]
    cherha restore BACKUP [--data-dir DIR] [--config FILE]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from .config import DEMO_HALL, ConfigError, backup_settings, load_hall

Handler = Callable[[argparse.Namespace], int]


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], data_dir: Path,
                 db_name: str) -> dict[str, Handler]:
    backup = sub.add_parser("backup", help="an online backup of the event store (safe while the server runs), "
                            "then rotation of the backup directory")
    backup.add_argument("--data-dir", type=Path, default=data_dir)
    backup.add_argument("--config", type=Path, default=DEMO_HALL, help="the hall file with its [backup] settings")
    backup.add_argument("--to", type=Path, help="backup directory (default: [backup] dir, else DATA_DIR/backups)")
    backup.add_argument("--second-dir", type=Path, help="also copy it here (default: [backup] second_dir)")
    backup.add_argument("--no-rotate", action="store_true", help="keep every older backup")

    restore = sub.add_parser("restore", help="replace the event store with a backup, after proving the backup "
                             "replays; the current store is kept aside (the server must be stopped)")
    restore.add_argument("backup", type=Path)
    restore.add_argument("--data-dir", type=Path, default=data_dir)
    restore.add_argument("--config", type=Path, default=DEMO_HALL, help="the hall file the server runs with")
    restore.add_argument("--check-only", action="store_true", help="prove the backup replays; change nothing")

    def run_backup(args: argparse.Namespace) -> int:
        return _backup(args, db_name)

    def run_restore(args: argparse.Namespace) -> int:
        return _restore(args, db_name)

    return {"backup": run_backup, "restore": run_restore}


def _backup(args: argparse.Namespace, db_name: str) -> int:
    import dataclasses

    from .backup import BackupError, backup_dirs, rotate, take_backup

    try:
        settings = backup_settings(args.config)
    except (ConfigError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.to:
        settings = dataclasses.replace(settings, dir=str(args.to))
    if args.second_dir:
        settings = dataclasses.replace(settings, second_dir=str(args.second_dir))
    first, second = backup_dirs(settings, args.data_dir)
    try:
        made = take_backup(args.data_dir / db_name, first, datetime.now(UTC), second)
    except (BackupError, OSError) as exc:
        print(f"резервну копію не зроблено / backup failed: {exc}", file=sys.stderr)
        return 1
    deleted: list[Path] = []
    if not args.no_rotate:
        for directory in (first, second):
            if directory is not None:
                deleted += rotate(directory, settings)
    print(f"{made.path}: {made.size} bytes, events up to seq {made.last_seq}"
          + (f"; a copy in {second}" if second else "")
          + (f"; rotation removed {len(deleted)} older backups" if deleted else ""))
    return 0


def _restore(args: argparse.Namespace, db_name: str) -> int:
    from .restore import RestoreError, acknowledged, check_store, restore

    try:
        hall = load_hall(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    db_path = args.data_dir / db_name
    try:
        if args.check_only:
            report = check_store(args.backup, hall)
            aside = None
        else:
            before = acknowledged(db_path)
            report, aside = restore(args.backup, db_path, hall, datetime.now(UTC))
    except RestoreError as exc:
        print(f"відновлення відмовлено / restore refused: {exc}", file=sys.stderr)
        return 2
    print(f"{args.backup}: ok — schema {report.version}, {report.events} events over {report.days} days, "
          f"replayed {report.replayed_day or 'no day'} ({report.visits} visits)")
    if not args.check_only:
        lost = max(before - report.last_seq, 0)
        print(f"restored into {db_path}" + (f"; the previous store is in {aside}" if aside else "")
              + (f"; {lost} events acknowledged after this backup are given up" if lost else ""))
    return 0
