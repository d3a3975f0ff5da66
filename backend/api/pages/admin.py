"""Master data (admins): the units-sold upload and the staff accounts.

The pages read through the services and render server-side; they write through the JSON
API from backend/api/static/admin.js (POST /api/units/import, /api/admin/staff...).
"""

from __future__ import annotations

from aiohttp import web

from backend.api.access import page
from backend.api.keys import DESK
from backend.api.pages.render import render
from backend.api.units import MAX_FILE
from backend.domain.permissions import ROLE_ZH, ROLES, Action, Role
from backend.domain.units_file import HEADER
from backend.services import accounts, audit

routes = web.RouteTableDef()

SAMPLE_ROW = (
    "SN-A0001,KFR-35GW/BpR3,变频空调,2025-06-01,2028-06-01,,13812345678,王女士,"
    "北京市朝阳区建国路88号,北京·朝阳,city,false"
)
# (column, what it is, what it must be) for the page's column table
COLUMNS = [
    ("serial_number", "机身序列号", "必填；同一文件内不得重复；按它更新已有机组（不区分大小写）"),
    ("model", "型号", "必填"),
    ("product_name", "产品名称", "必填"),
    ("purchase_date", "购买日期", "必填，格式 YYYY-MM-DD"),
    ("warranty_end", "保修截止日", "必填，格式 YYYY-MM-DD，不得早于购买日期"),
    ("contract_end", "延保合同截止日", "可留空；格式 YYYY-MM-DD"),
    ("customer_phone", "客户电话", "必填；按电话查找客户，找不到则新建"),
    ("customer_name", "客户姓名", "可留空；已有姓名的客户不会被改名"),
    ("address", "安装地址", "可留空"),
    ("region", "区域", "可留空，例如 北京·朝阳"),
    ("region_class", "区域类别", "city（市区）、suburb（郊区）或 remote（偏远）"),
    ("abroad", "是否境外", "true 或 false"),
]


@routes.get("/console/admin/units")
@page(Action.UNITS)
async def admin_page(request: web.Request) -> web.Response:
    recent = await audit.entries(request.app[DESK], action="units.import", limit=10)
    return render(
        request,
        "admin_units.html",
        {
            "title": "机组资料导入",
            "header": ",".join(HEADER),
            "sample": SAMPLE_ROW,
            "columns": COLUMNS,
            "max_bytes": MAX_FILE,
            "max_mb": MAX_FILE // (1024 * 1024),
            "recent": recent,
        },
    )


@routes.get("/console/admin/staff")
@page(Action.ACCOUNTS)
async def staff_page(request: web.Request) -> web.Response:
    staff = await accounts.accounts(request.app[DESK])
    roles = [(role, ROLE_ZH.get(role, role)) for role in ROLES]
    context = {"title": "人员账号", "staff": staff, "roles": roles, "default_role": Role.TECHNICIAN}
    return render(request, "admin_staff.html", context)
