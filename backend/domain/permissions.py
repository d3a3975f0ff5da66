"""Who may do what: the staff roles and the one permissions table.

Every HTTP route declares the action it performs (backend/api/access.py); the access
middleware allows a request when the caller's role has that action here. Nothing else
decides it, so this table is the whole policy, and the README's table is generated
from it (`markdown_table`, checked by tests/api/test_permissions.py).

Some rules are finer than a route: a technician sees only the tickets assigned to them
(`OWN_TICKETS_ONLY`) and makes only the moves of a visit (`TECHNICIAN_MOVES`); closing a
ticket and judging a complaint (outcome, cause, responsibility) is `tickets.judge`.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    DISPATCHER = "dispatcher"
    TECHNICIAN = "technician"
    AGENT = "agent"  # a 400-hotline agent, a person
    HOTLINE = "hotline"  # a hotline system's account: its tokens post calls, nothing else


ROLES: tuple[str, ...] = tuple(r.value for r in Role)

ROLE_ZH = {
    Role.ADMIN: "系统管理员",
    Role.SUPERVISOR: "主管",
    Role.DISPATCHER: "调度",
    Role.TECHNICIAN: "师傅",
    Role.AGENT: "热线客服",
    Role.HOTLINE: "热线系统",
}


class Action(StrEnum):
    PUBLIC = "public"  # no account needed (health, customers' chat, the login page)
    ME = "me"  # one's own account
    CONSOLE = "console"  # the console page
    DOCUMENT = "document"  # the OpenAPI document
    VOCABULARY = "vocabulary"
    TICKETS_READ = "tickets.read"
    TICKETS_FILE = "tickets.file"
    TICKETS_MOVE = "tickets.move"
    TICKETS_NOTE = "tickets.note"
    TICKETS_EXPEDITE = "tickets.expedite"
    TICKETS_ASSIGN = "tickets.assign"
    TICKETS_JUDGE = "tickets.judge"  # close; complaint outcome, cause, responsibility
    QUEUE = "queue"
    STAFF_READ = "staff.read"
    CHATS = "chats"  # handed-off chats: read, reply, hand back
    REPORTS = "reports"
    NLU_INBOX = "nlu.inbox"  # misunderstood messages: read, label
    CALLERS = "callers"  # look a caller up by phone: units and tickets
    HOTLINE_CALL = "hotline.call"
    ACCOUNTS = "accounts"  # staff accounts, tokens, hotline agents
    AUDIT = "audit"
    SETTINGS = "settings"
    ERASE = "customers.erase"
    JOBS = "jobs"  # a technician's own jobs, on the phone
    UNITS = "units"  # master data: the units sold, imported from the manufacturer's file


ACTION_ZH = {
    Action.PUBLIC: "公开（无需登录）",
    Action.ME: "查看自己的账号",
    Action.CONSOLE: "打开工作台",
    Action.DOCUMENT: "读取 OpenAPI 文档",
    Action.VOCABULARY: "读取代码表",
    Action.TICKETS_READ: "查看工单",
    Action.TICKETS_FILE: "登记工单",
    Action.TICKETS_MOVE: "变更工单状态",
    Action.TICKETS_NOTE: "添加备注",
    Action.TICKETS_EXPEDITE: "催办",
    Action.TICKETS_ASSIGN: "派工 / 改派",
    Action.TICKETS_JUDGE: "结案、投诉处理结果 / 原因 / 责任",
    Action.QUEUE: "待派工队列",
    Action.STAFF_READ: "人员列表",
    Action.CHATS: "转人工会话（查看、回复、交还）",
    Action.REPORTS: "月报",
    Action.NLU_INBOX: "未识别消息（查看、标注）",
    Action.CALLERS: "按电话查来电客户",
    Action.HOTLINE_CALL: "导入热线通话",
    Action.ACCOUNTS: "账号与令牌管理",
    Action.AUDIT: "审计日志",
    Action.SETTINGS: "查看配置",
    Action.ERASE: "删除客户个人信息",
    Action.JOBS: "我的任务（师傅手机页）",
    Action.UNITS: "机组资料导入",
}

_SIGNED_IN = {Action.ME, Action.CONSOLE, Action.DOCUMENT, Action.VOCABULARY}
_DISPATCHER = _SIGNED_IN | {
    Action.TICKETS_READ,
    Action.TICKETS_FILE,
    Action.TICKETS_MOVE,
    Action.TICKETS_NOTE,
    Action.TICKETS_EXPEDITE,
    Action.TICKETS_ASSIGN,
    Action.QUEUE,
    Action.STAFF_READ,
    Action.CHATS,
    Action.CALLERS,
}

# role -> the actions it may perform (PUBLIC is everyone's and not listed).
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(
        _SIGNED_IN | {Action.ACCOUNTS, Action.AUDIT, Action.SETTINGS, Action.ERASE, Action.UNITS}
    ),
    Role.SUPERVISOR: frozenset(
        _DISPATCHER | {Action.TICKETS_JUDGE, Action.REPORTS, Action.NLU_INBOX}
    ),
    Role.DISPATCHER: frozenset(_DISPATCHER),
    Role.TECHNICIAN: frozenset(
        _SIGNED_IN | {Action.TICKETS_READ, Action.TICKETS_MOVE, Action.TICKETS_NOTE, Action.JOBS}
    ),
    Role.AGENT: frozenset(
        _SIGNED_IN
        | {
            Action.CALLERS,
            Action.TICKETS_READ,
            Action.TICKETS_FILE,
            Action.TICKETS_NOTE,
            Action.TICKETS_EXPEDITE,
            Action.HOTLINE_CALL,
        }
    ),
    Role.HOTLINE: frozenset({Action.HOTLINE_CALL}),
}

# Finer rules the table's actions carry.
OWN_TICKETS_ONLY = frozenset({Role.TECHNICIAN})  # any other ticket is "not found"
TECHNICIAN_MOVES = frozenset({"on_site", "taken_back", "resolved"})
JUDGED_MOVES = frozenset({"closed"})  # a move that needs TICKETS_JUDGE
JUDGED_FIELDS = ("outcome", "cause", "responsible_dept")


def allowed(role: str, action: str) -> bool:
    if action == Action.PUBLIC:
        return True
    try:
        return Action(action) in PERMISSIONS[Role(role)]
    except ValueError:  # an unknown role or action is never allowed
        return False


def markdown_table() -> str:
    """The README's permissions table, built from PERMISSIONS."""
    roles = [r for r in Role]
    lines = [
        "| action | " + " | ".join(f"`{r.value}`" for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for action in Action:
        if action == Action.PUBLIC:
            continue
        marks = " | ".join("✓" if action in PERMISSIONS[r] else "" for r in roles)
        lines.append(f"| `{action.value}` {ACTION_ZH[action]} | {marks} |")
    return "\n".join(lines)
