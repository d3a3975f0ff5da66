"""Photos staff attach to a ticket (a technician's site photos, from the phone view),
stored as chat photos are: a file under the attachments folder and an `Attachment` row
with the ticket's id, so erasure and retention take them with the ticket's other photos
(services/erasure.py, services/retention.py, services/photos.py).

What a file is comes from its first bytes (JPEG, PNG or WebP), never from the name or
the type a client claims: anything else (HTML, SVG, a script renamed .png) is refused
before a byte is written. An upload is all or nothing: the files are written first,
then one unit of work adds the rows and the ticket event; if that unit fails (or the
ticket is not the caller's) the files just written are removed again.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.errors import NotFound, ValidationFailed
from backend.services import photos
from backend.services.desk import Desk
from backend.services.queries import find_ticket
from backend.store.tables import Attachment, TicketEvent

MAX_PHOTO_BYTES = 8 * 1024 * 1024  # one phone photo, full size
MAX_PHOTOS = 6  # per upload
CHANNEL = "console"  # Attachment.channel of staff uploads (chat photos: the chat's)
FOLDER = "tickets"  # under the attachments folder
_EXTENSION = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class NotAnImage(ValidationFailed):
    """The bytes are not a JPEG, PNG or WebP image (HTTP 415)."""

    code = "unsupported_media_type"


class TooLarge(ValidationFailed):
    """A photo over MAX_PHOTO_BYTES (HTTP 413); more than MAX_PHOTOS is a plain 422."""

    code = "too_large"


def sniff(data: bytes) -> str | None:
    """The image type the bytes themselves say (their magic numbers), else None."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class PhotoInfo:
    id: int
    at: datetime
    actor: str  # who attached it: `staff:<username>`, or the chat's channel for a chat photo

    def to_dict(self) -> dict:
        return {"id": self.id, "at": self.at.isoformat(), "actor": self.actor}


@dataclass(frozen=True)
class PhotoFile:
    content: bytes
    media_type: str


def check(images: list[bytes]) -> list[str]:
    """The sniffed type of each image; refuses the lot if any is not an image or too big."""
    if not images:
        raise ValidationFailed("请至少选择一张照片")
    if len(images) > MAX_PHOTOS:
        raise ValidationFailed(f"一次最多上传 {MAX_PHOTOS} 张照片")
    types = []
    for n, data in enumerate(images, 1):
        if len(data) > MAX_PHOTO_BYTES:
            raise TooLarge(
                f"第 {n} 张照片超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB，请压缩后再上传"
            )
        media_type = sniff(data)
        if media_type is None:
            raise NotAnImage(f"第 {n} 个文件不是 JPEG、PNG 或 WebP 图片")
        types.append(media_type)
    return types


async def attach(
    desk: Desk, number: str, images: list[bytes], *, actor: str, seen_by: int | None
) -> list[PhotoInfo]:
    """Attach the images to the ticket (with `seen_by`, a technician's staff id: only a
    ticket assigned to them); one ticket event records it under `actor`."""
    types = check(images)
    if desk.attachments_dir is None:
        raise ValidationFailed("未配置照片存储目录")
    await ensure_visible(desk, number, seen_by)  # a stranger's ticket: no file written
    folder = desk.attachments_dir / FOLDER
    written: list[str] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for data, media_type in zip(images, types, strict=True):
            path = folder / f"{secrets.token_hex(16)}.{_EXTENSION[media_type]}"
            written.append(str(path))
            await asyncio.to_thread(path.write_bytes, data)
        return await desk.db.write(_record, desk, number, written, actor, seen_by)
    except BaseException:
        photos.remove_files(written)  # refused or failed: nothing stays half-written
        raise


async def ensure_visible(desk: Desk, number: str, seen_by: int | None) -> None:
    """NotFound unless the ticket exists and (`seen_by` a technician) is theirs."""
    await desk.db.read(_visible, number, seen_by)


def _visible(session: Session, number: str, seen_by: int | None) -> None:
    find_ticket(session, number, seen_by=seen_by)


def _record(
    session: Session, desk: Desk, number: str, paths: list[str], actor: str, seen_by
) -> list[PhotoInfo]:
    ticket = find_ticket(session, number, lock=True, seen_by=seen_by)
    now = desk.now()
    rows = [
        Attachment(
            ticket_id=ticket.id,
            channel=CHANNEL,
            external_id=actor,
            kind="photo",
            file_ref=f"{CHANNEL}:{Path(path).name}",
            path=path,
            created_at=now,
        )
        for path in paths
    ]
    session.add_all(rows)
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            at=now,
            actor=actor,
            action="photo",
            note=f"上传现场照片 {len(rows)} 张",
        )
    )
    session.flush()
    return [PhotoInfo(row.id, now, actor) for row in rows]


async def photos_of(desk: Desk, number: str, seen_by: int | None = None) -> list[PhotoInfo]:
    """The ticket's photos that can be shown (a stored file), oldest first: the staff's
    uploads and the customer's chat photos alike."""
    return await desk.db.read(_photos_of, number, seen_by)


def _photos_of(session: Session, number: str, seen_by: int | None) -> list[PhotoInfo]:
    ticket = find_ticket(session, number, seen_by=seen_by)
    rows = session.execute(
        select(Attachment)
        .where(
            Attachment.ticket_id == ticket.id,
            Attachment.kind == "photo",
            Attachment.path.is_not(None),
        )
        .order_by(Attachment.created_at, Attachment.id)
    ).scalars()
    return [
        PhotoInfo(r.id, r.created_at, r.external_id if r.channel == CHANNEL else r.channel)
        for r in rows
    ]


async def photo_file(
    desk: Desk, number: str, photo_id: int, seen_by: int | None = None
) -> PhotoFile:
    """One photo of the ticket, to serve: NotFound unless the ticket is visible to the
    caller (as GET /api/tickets/{number}), the photo is that ticket's, its file is there
    and its bytes are an image."""
    path = await desk.db.read(_photo_path, number, photo_id, seen_by)
    try:
        content = await asyncio.to_thread(Path(path).read_bytes)
    except OSError:
        raise NotFound(f"no photo {photo_id}") from None
    media_type = sniff(content)
    if media_type is None:  # never serve something that is not an image as one
        raise NotFound(f"no photo {photo_id}")
    return PhotoFile(content, media_type)


def _photo_path(session: Session, number: str, photo_id: int, seen_by: int | None) -> str:
    ticket = find_ticket(session, number, seen_by=seen_by)
    path = session.execute(
        select(Attachment.path).where(
            Attachment.id == photo_id,
            Attachment.ticket_id == ticket.id,
            Attachment.kind == "photo",
        )
    ).scalar_one_or_none()
    if path is None:
        raise NotFound(f"no photo {photo_id}")
    return path
