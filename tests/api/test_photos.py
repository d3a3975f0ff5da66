"""A ticket's photos over HTTP (POST/GET /api/tickets/{number}/photos...), on SQLite and
PostgreSQL: uploads sniffed by their bytes, bounded per photo, all or nothing; served
under the ticket's read rules. Attacks replayed: a technician guessing another's photo
ids, an HTML/SVG file sent as image/png."""

from __future__ import annotations

import struct
import zlib

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from backend.api.app import create_app
from backend.api.keys import DESK
from backend.config import Settings
from backend.services import erasure
from backend.services.ticket_photos import MAX_PHOTO_BYTES
from backend.store.tables import Attachment, Ticket, TicketEvent
from tests.fixtures.staff import headers, seed_accounts
from tests.store.seed import count


def png(width: int = 2, height: int = 2) -> bytes:
    """A small valid PNG (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
HTML = b"<!doctype html><script>alert(document.cookie)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


def form(*files: tuple[bytes, str], name: str = "photo") -> FormData:
    data = FormData()
    for n, (content, content_type) in enumerate(files):
        data.add_field(name, content, filename=f"p{n}.png", content_type=content_type)
    return data


@pytest.fixture
async def api(db, clock, tmp_path):
    app = create_app(Settings(database_url=db.url, var_dir=tmp_path), clock=clock)
    async with TestClient(TestServer(app)) as client:
        client.desk = app[DESK]
        client.staff_ids = await seed_accounts(app[DESK].db)
        client.folder = tmp_path / "attachments"
        yield client


async def _ticket(api, technician: str | None = "technician") -> str:
    boss = headers("dispatcher")
    body = {"kind": "repair", "description": "空调不制冷", "phone": "13812345678"}
    number = (await (await api.post("/api/tickets", json=body, headers=boss)).json())["number"]
    if technician:
        tech_id = api.staff_ids[technician] if technician in api.staff_ids else None
        if tech_id is None:  # a second technician
            raise LookupError(technician)
        resp = await api.post(
            f"/api/tickets/{number}/assign", json={"technician_id": tech_id}, headers=boss
        )
        assert resp.status == 200, await resp.text()
    return number


async def _other_technician(api) -> int:
    """A second technician account (not the test one)."""
    from backend.store.tables import Staff

    def add(session):
        staff = Staff(username="other-tech", name="别的师傅", role="technician", active=True)
        session.add(staff)
        session.flush()
        return staff.id

    return await api.desk.db.write(add)


def _files(api) -> list:
    return [p for p in api.folder.rglob("*") if p.is_file()] if api.folder.exists() else []


async def test_a_technician_uploads_photos_and_reads_them_back(api):
    number = await _ticket(api)
    tech = headers("technician")
    image = png()
    resp = await api.post(
        f"/api/tickets/{number}/photos",
        data=form((image, "image/png"), (JPEG, "application/octet-stream")),
        headers=tech,
    )
    assert resp.status == 201, await resp.text()
    photos = (await resp.json())["photos"]
    assert len(photos) == 2 and all(p["actor"] == "staff:test-technician" for p in photos)
    assert len(_files(api)) == 2

    got = await api.get(photos[0]["url"], headers=tech)
    assert got.status == 200 and await got.read() == image
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"] == "inline"
    second = await api.get(photos[1]["url"], headers=headers("dispatcher"))
    assert second.status == 200 and second.headers["Content-Type"] == "image/jpeg"

    def recorded(session):
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        rows = session.execute(select(Attachment).where(Attachment.ticket_id == ticket.id))
        events = session.execute(
            select(TicketEvent).where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.action == "photo"
            )
        )
        return len(rows.all()), [(e.actor, e.note) for e in events.scalars()]

    rows, events = await api.desk.db.read(recorded)
    assert rows == 2 and events == [("staff:test-technician", "上传现场照片 2 张")]


async def test_refusals_write_nothing(api):
    number = await _ticket(api)
    tech = headers("technician")
    cases = [
        (form((HTML, "image/png")), 415),  # an HTML page dressed as a PNG
        (form((SVG, "image/png")), 415),  # SVG can carry script: never accepted
        (form((png(), "image/png"), (SVG, "image/png")), 415),  # one bad file spoils the lot
        (form((b"\xff\xd8\xff" + b"\x00" * MAX_PHOTO_BYTES, "image/jpeg")), 413),
        (form(*[(png(), "image/png")] * 7), 422),
        (form((png(), "image/png"), name="other"), 422),  # no photo part at all
    ]
    events = await count(api.desk.db, TicketEvent)
    for data, status in cases:
        resp = await api.post(f"/api/tickets/{number}/photos", data=data, headers=tech)
        assert resp.status == status, (status, await resp.text())
        assert (await resp.json())["error"]
    for broken in (
        b"--b\r\nFalse--b--\r\n",  # a part whose headers are not headers
        b"--b\r\nContent-Disposition: form-data; name=photo\r\n\r\n\x89PNG",  # cut off
        b"nothing like a form",
    ):
        resp = await api.post(
            f"/api/tickets/{number}/photos",
            data=broken,
            headers={**tech, "Content-Type": "multipart/form-data; boundary=b"},
        )
        assert resp.status in (400, 422), (broken, resp.status)
    no_boundary = await api.post(
        f"/api/tickets/{number}/photos",
        data=b"x",
        headers={**tech, "Content-Type": "multipart/form-data"},
    )
    assert no_boundary.status == 400
    not_multipart = await api.post(
        f"/api/tickets/{number}/photos", data=png(), headers={**tech, "Content-Type": "image/png"}
    )
    assert not_multipart.status == 415
    assert _files(api) == []
    assert await count(api.desk.db, Attachment) == 0
    assert await count(api.desk.db, TicketEvent) == events


async def test_another_technicians_ticket_and_photos_are_not_found(api):
    other = await _other_technician(api)
    number = await _ticket(api)  # the test technician's
    boss = headers("dispatcher")
    theirs = (
        await (
            await api.post(
                "/api/tickets", json={"kind": "repair", "description": "漏水"}, headers=boss
            )
        ).json()
    )["number"]
    await api.post(f"/api/tickets/{theirs}/assign", json={"technician_id": other}, headers=boss)
    uploaded = await api.post(f"/api/tickets/{theirs}/photos", data=form((png(), "image/png")),
                              headers=boss)  # fmt: skip
    assert uploaded.status == 201
    their_photo = (await uploaded.json())["photos"][0]["id"]

    tech = headers("technician")
    # uploading to another's ticket: 404, nothing written
    resp = await api.post(f"/api/tickets/{theirs}/photos", data=form((png(), "image/png")),
                          headers=tech)  # fmt: skip
    assert resp.status == 404
    assert len(_files(api)) == 1
    # guessing photo ids: through their ticket, and through one's own ticket
    for photo_id in range(1, their_photo + 5):
        for ticket in (theirs, number):
            got = await api.get(f"/api/tickets/{ticket}/photos/{photo_id}", headers=tech)
            assert got.status == 404, (ticket, photo_id)
    for odd in ("0", "-1", "abc", str(2**40), "１"):
        got = await api.get(f"/api/tickets/{number}/photos/{odd}", headers=tech)
        assert got.status == 404, odd
    anonymous = await api.get(f"/api/tickets/{theirs}/photos/{their_photo}")
    assert anonymous.status == 401
    anonymous_up = await api.post(f"/api/tickets/{number}/photos", data=form((png(), "image/png")))
    assert anonymous_up.status == 401
    theirs_seen = await api.get(f"/api/tickets/{theirs}/photos/{their_photo}", headers=boss)
    assert theirs_seen.status == 200


async def test_an_agent_may_not_upload(api):
    number = await _ticket(api)
    resp = await api.post(
        f"/api/tickets/{number}/photos", data=form((png(), "image/png")), headers=headers("agent")
    )
    assert resp.status == 403 and _files(api) == []


async def test_erasing_the_customer_removes_the_uploaded_photos(api):
    number = await _ticket(api)
    resp = await api.post(
        f"/api/tickets/{number}/photos",
        data=form((png(), "image/png")),
        headers=headers("technician"),
    )
    assert resp.status == 201 and len(_files(api)) == 1
    report = await erasure.erase_customer(api.desk, phone="13812345678", actor="staff:test-admin")
    assert report.attachments == 1 and report.files_removed == 1
    assert _files(api) == [] and await count(api.desk.db, Attachment) == 0


async def test_a_failed_record_removes_the_files_just_written(api, monkeypatch):
    from backend.services import ticket_photos

    number = await _ticket(api)

    def broken(*args):
        raise RuntimeError("the store went away")

    monkeypatch.setattr(ticket_photos, "_record", broken)
    with pytest.raises(RuntimeError):
        await ticket_photos.attach(
            api.desk, number, [png()], actor="staff:test-technician", seen_by=None
        )
    assert _files(api) == [] and await count(api.desk.db, Attachment) == 0


async def test_retention_takes_the_uploaded_photos_with_the_closed_ticket(api, clock):
    from datetime import timedelta

    from backend.services import retention

    number = await _ticket(api)
    tech, boss = headers("technician"), headers("supervisor")
    uploaded = await api.post(
        f"/api/tickets/{number}/photos", data=form((png(), "image/png")), headers=tech
    )
    assert uploaded.status == 201
    for status, who in (("on_site", tech), ("resolved", tech), ("closed", boss)):
        resp = await api.post(f"/api/tickets/{number}/status", json={"status": status}, headers=who)
        assert resp.status == 200, await resp.text()
    report = await retention.purge(api.desk, now=clock.now() + api.desk.retention + timedelta(1))
    assert report.attachments == 1
    assert _files(api) == [] and await count(api.desk.db, Attachment) == 0
