"""Master data API: the manufacturer's units-sold file, uploaded from the console.

POST /api/units/import   multipart/form-data, one part `file`: the UTF-8 CSV that
                         `aftercare units import FILE.csv` takes (backend/domain/units_file.py)

The same use case as the command (backend/services/units_import.py): a file with any bad
row imports nothing and is answered 422 with every bad row's line number and reason
(`rows`); a clean one is upserted and answered with the counts. This route alone takes a
big body (100,000 rows are about 15 MB): the part is streamed and cut at `MAX_FILE`; the
app's small `client_max_size` still holds for every other route.
"""

from __future__ import annotations

from urllib.parse import unquote

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from backend.api.access import needs, principal
from backend.api.keys import DESK
from backend.domain.errors import ValidationFailed
from backend.domain.permissions import Action
from backend.domain.units_file import BadUnitsFile
from backend.httpjson import error_response
from backend.services.units_import import import_units

routes = web.RouteTableDef()

MAX_FILE = 32 * 1024 * 1024  # twice the 100,000-row benchmark file
_CHUNK = 256 * 1024
# What aiohttp's multipart reader raises on a body that is not what its headers say.
_BROKEN = (AssertionError, ValueError, LookupError, RuntimeError, HttpProcessingError)


def _too_large() -> web.Response:
    mib = MAX_FILE // (1024 * 1024)
    return error_response(413, "too_large", f"文件超过 {mib} MB，请拆分后分批导入")


@routes.post("/api/units/import")
@needs(Action.UNITS)
async def import_file(request: web.Request) -> web.Response:
    if request.content_length is not None and request.content_length > MAX_FILE + _CHUNK:
        return _too_large()
    try:
        reader = await request.multipart()
    except _BROKEN:
        raise ValidationFailed("请以 multipart/form-data 上传，文件放在 file 字段") from None
    filename, data = None, None
    try:
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name != "file":
                continue  # a nested multipart or another field: not ours
            # aiohttp's client percent-encodes a name; a browser sends it as UTF-8
            filename = unquote(part.filename)[:200] if part.filename else None
            buffer = bytearray()
            while chunk := await part.read_chunk(_CHUNK):
                buffer += chunk
                if len(buffer) > MAX_FILE:
                    return _too_large()
            data = bytes(buffer)
            break
    except _BROKEN:
        raise ValidationFailed("上传内容不完整或格式不对，请重新选择文件上传") from None
    if data is None:
        raise ValidationFailed("请选择要导入的 CSV 文件（file 字段）")
    try:
        report = await import_units(
            request.app[DESK], data, actor=principal(request).actor, filename=filename
        )
    except BadUnitsFile as exc:
        return web.json_response(
            {
                "error": exc.code,
                "message": str(exc),
                "rows": [{"line": e.line, "reason": e.reason} for e in exc.errors],
            },
            status=422,
        )
    return web.json_response({"file": filename, **report.as_dict()})
