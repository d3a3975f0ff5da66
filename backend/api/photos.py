"""Staff API: a ticket's photos. Technicians upload site photos from the phone view
(only to their own tickets); dispatchers and supervisors may too. Reading a photo
follows the ticket's read rules: a technician sees only their own tickets' photos.

The app's body limit (app.MAX_BODY) stays small for every other route: this one reads
its multipart body as a stream, part by part, each photo bounded by
ticket_photos.MAX_PHOTO_BYTES and their number by MAX_PHOTOS, so nothing bigger is ever
held in memory. What a file is comes from its bytes (services/ticket_photos.sniff).
"""

from __future__ import annotations

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from backend.api.access import needs
from backend.api.errors import error_response, path_id
from backend.api.keys import DESK
from backend.api.tickets import seen_by, staff_actor
from backend.domain.numbering import normalise_number
from backend.domain.permissions import Action
from backend.services import ticket_photos
from backend.services.ticket_photos import MAX_PHOTO_BYTES, MAX_PHOTOS, NotAnImage, TooLarge

routes = web.RouteTableDef()

FIELD = "photo"  # the form field, once per photo
_OTHER_PART = 64 * 1024  # any other form field is small (and ignored)
_CHUNK = 64 * 1024
_MAX_REQUEST = MAX_PHOTOS * MAX_PHOTO_BYTES + 1024 * 1024  # the photos and the form's framing


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.response = error_response(status, code, message)


async def _read_part(part, limit: int) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(_CHUNK):
        data += chunk
        if len(data) > limit:
            raise _Refused(413, "too_large", "文件太大，请压缩后再上传")
    return bytes(data)


async def _photos_in(request: web.Request) -> list[bytes]:
    if not request.content_type.startswith("multipart/"):
        raise _Refused(415, "unsupported_media_type", "请以 multipart/form-data 上传照片")
    if (request.content_length or 0) > _MAX_REQUEST:
        raise _Refused(413, "too_large", "上传内容太大，请分批上传")
    try:
        reader = await request.multipart()
        images: list[bytes] = []
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):  # a nested multipart
                raise _Refused(400, "bad_request", "表单格式不正确")
            if part.name != FIELD:
                await _read_part(part, _OTHER_PART)
                continue
            if len(images) == MAX_PHOTOS:
                raise _Refused(422, "validation_failed", f"一次最多上传 {MAX_PHOTOS} 张照片")
            images.append(await _read_part(part, MAX_PHOTO_BYTES))
    except (HttpProcessingError, ValueError, AssertionError, LookupError, UnicodeError) as exc:
        raise _Refused(400, "bad_request", f"表单格式不正确：{exc}") from None
    return images


@routes.post("/api/tickets/{number}/photos")
@needs(Action.TICKETS_MOVE)  # a visit's record: technicians, dispatchers, supervisors
async def upload_photos(request: web.Request) -> web.Response:
    desk, number = request.app[DESK], request.match_info["number"]
    await ticket_photos.ensure_visible(desk, number, seen_by(request))  # before the body
    try:
        images = await _photos_in(request)
        added = await ticket_photos.attach(
            desk,
            number,
            images,
            actor=staff_actor(request),
            seen_by=seen_by(request),
        )
    except _Refused as refused:
        return refused.response
    except TooLarge as exc:
        return error_response(413, exc.code, str(exc))
    except NotAnImage as exc:
        return error_response(415, exc.code, str(exc))
    number = normalise_number(number)
    photos = [{**p.to_dict(), "url": f"/api/tickets/{number}/photos/{p.id}"} for p in added]
    return web.json_response({"number": number, "photos": photos}, status=201)


@routes.get("/api/tickets/{number}/photos/{photo_id}")
@needs(Action.TICKETS_READ)
async def get_photo(request: web.Request) -> web.Response:
    photo = await ticket_photos.photo_file(
        request.app[DESK],
        request.match_info["number"],
        path_id(request, "photo_id", "photo"),
        seen_by(request),
    )
    response = web.Response(body=photo.content, content_type=photo.media_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
