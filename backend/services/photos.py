"""Photo files on disk (the channels download them under the attachments folder).

Files are removed only after the unit of work that deleted their rows has committed: a
rolled-back erasure must not lose photos. A crash between that commit and the removal
leaves files no row refers to; `remove_orphans` (run by the daily retention pass) takes
those away, so the crash delays the removal by a day at most and loses nothing."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.store.tables import Attachment

log = logging.getLogger(__name__)

# A channel writes the file before the row that refers to it (it downloads, then the
# chat turn stores the attachment): a file younger than this is never an orphan.
ORPHAN_AGE = timedelta(days=1)


def take_attachments(session: Session, where) -> list[str | None]:
    """Delete the attachment rows matching `where`; one entry per row, the path of its
    file (None: never downloaded), for `remove_files` once the unit of work committed."""
    paths = session.execute(select(Attachment.path).where(where)).scalars().all()
    session.execute(delete(Attachment).where(where).execution_options(synchronize_session=False))
    return list(paths)


def remove_files(paths: Iterable[str | None]) -> int:
    """Remove the files; how many were there. A file that cannot be removed is logged
    (by its name only) and left to the orphan pass."""
    removed = 0
    for name in {p for p in paths if p}:
        path = Path(name)
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("could not remove photo %s: %s", path.name, exc.strerror)
            continue
        removed += 1
    return removed


def _key(path: Path | str) -> Path:
    return Path(path).resolve()


def remove_orphans(folder: Path | None, referenced: Collection[str], now: datetime) -> int:
    """Remove files under `folder` that no attachment row refers to and that are older
    than `ORPHAN_AGE`; how many were removed."""
    if folder is None or not folder.is_dir():
        return 0
    kept = {_key(p) for p in referenced}
    cutoff = (now - ORPHAN_AGE).timestamp()
    orphans = [
        str(path)
        for path in folder.rglob("*")
        if path.is_file() and _key(path) not in kept and path.stat().st_mtime < cutoff
    ]
    return remove_files(orphans)
