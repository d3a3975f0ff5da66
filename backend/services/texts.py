"""Customer- and staff-facing wording (Simplified Chinese first, English second)."""

from __future__ import annotations

from backend.domain import sla
from backend.domain.kinds import Channel, RegionClass, ServiceCategory, Severity, TicketKind
from backend.services.replies import Button

KIND_ZH = {
    TicketKind.REPAIR: "报修",
    TicketKind.COMPLAINT: "投诉",
    TicketKind.MAINTENANCE: "保养预约",
}

STATUS_ZH = {
    "new": "已受理",
    "registered": "已登记",
    "dispatched": "已派工",
    "on_site": "师傅已上门",
    "taken_back": "已返厂维修",
    "acknowledged": "客服已联系",
    "investigating": "正在调查处理",
    "resolved": "已处理完成",
    "closed": "已结单",
    "cancelled": "已取消",
}

CATEGORY_ZH = {
    ServiceCategory.FREE: "保修期内，免费服务",
    ServiceCategory.CONTRACT: "保养合同内，按合同提供服务",
    ServiceCategory.PAID: "已过保修期，属有偿服务，派工前会先告知收费标准",
}

# The short names staff see in lists (CATEGORY_ZH is the sentence customers are told).
CATEGORY_LABEL_ZH = {
    ServiceCategory.FREE: "免费（C 类）",
    ServiceCategory.CONTRACT: "合同（B 类）",
    ServiceCategory.PAID: "有偿（A 类）",
}

CLOCK_ZH = {
    sla.ON_SITE: "上门时限",
    sla.FIX: "修复时限",
    sla.ACK: "投诉响应时限",
    sla.CLOSE: "投诉结案时限",
}

REGION_CLASS_ZH = {
    RegionClass.CITY: "市区",
    RegionClass.SUBURB: "郊区",
    RegionClass.REMOTE: "服务半径以外",
}

SEVERITY_ZH = {Severity.NORMAL: "一般", Severity.SERIOUS: "严重"}

CHANNEL_ZH = {
    Channel.TELEGRAM: "Telegram",
    Channel.WEB: "网页聊天",
    Channel.HOTLINE: "服务热线",
    Channel.API: "后台录入",
}

SLA_PROMISE_ZH = {
    RegionClass.CITY: "市区：师傅将在 6 个工作小时内上门",
    RegionClass.SUBURB: "郊区：师傅将在 7 个工作小时内上门",
    RegionClass.REMOTE: "服务半径以外：师傅将在 24 小时内上门",
}


HOW_CAN_I_HELP = "请问还有什么可以帮您？"
# Said when staff give a handed-off chat back to the bot, with the main menu.
HANDED_BACK = "人工客服已结束本次服务，接下来由智能助手继续为您服务。" + HOW_CAN_I_HELP
MENU = (
    Button("我要报修", "/report_fault"),
    Button("我要投诉", "/complain"),
    Button("查询进度", "/query_status"),
    Button("催一下单", "/expedite"),
    Button("预约保养", "/book_maintenance"),
    Button("转人工客服", "/request_human"),
)


def status_notice(number: str, kind: TicketKind, status: str, detail: str | None = None) -> str:
    """The push a customer gets when their ticket changes."""
    text = f"您的{KIND_ZH[kind]}单 {number} 状态更新：{STATUS_ZH.get(status, status)}。"
    if detail:
        text += detail
    return text


def dispatched_detail(technician: str | None, phone: str | None) -> str:
    if not technician:
        return ""
    contact = f"（电话 {phone}）" if phone else ""
    return f"负责师傅：{technician}{contact}，师傅出发前会先与您联系。"


def escalation_notice(number: str, reason: str) -> str:
    return f"【催办】{number}：{reason}，请尽快处理。"


# Abuse limits (backend/services/limits.py): what a refused customer or agent is told.
TOO_MANY_MESSAGES = "您发送消息的速度有点快，请稍等片刻再发，我们不会漏掉您的问题。"
TOO_MANY_TICKETS = (
    "您今天已经提交了 {limit} 张工单，为避免重复登记，今天暂时不能再提交新的工单。"
    "已提交的工单我们都会尽快处理；如有紧急情况，请拨打我们的服务热线。"
)
TOO_MANY_HANDOFFS = (
    "您近期已多次申请人工服务，之前的请求客服正在处理中，请稍后再试。"
    "您也可以继续在这里描述问题，我会尽力为您办理。"
)
TOO_MANY_CODES = (
    "验证码发送次数有点多了，为保护您的账户安全，请一小时后再试，或转人工客服核实身份。"
)
TOO_MANY_CALLS = "该坐席导入通话过于频繁，请稍后再试；如确有需要，请联系系统管理员。"


# The NLU's intents (SPEC section 2) as staff read them (the misunderstood-message inbox).
INTENT_ZH = {
    "greet": "打招呼",
    "goodbye": "道别",
    "thanks": "致谢",
    "affirm": "肯定 / 确认",
    "deny": "否定 / 拒绝",
    "report_fault": "报修",
    "complain": "投诉",
    "query_status": "查询进度",
    "expedite": "催单",
    "cancel": "取消",
    "request_human": "转人工",
    "ask_warranty": "咨询保修 / 收费",
    "book_maintenance": "预约保养 / 巡检",
    "inform": "提供信息（电话、地址、型号等）",
    "out_of_scope": "与售后无关",
}

# The chat's own button payloads that name no intent, as a transcript shows a tap on one
# (backend/services/tapped.py; the buttons themselves are the bot's, bot/dialogue).
PAYLOAD_ZH = {
    "/skip": "跳过这一项",
    "/verify": "验证手机号",
    "/use_unit_address": "使用登记地址",
}


# The reports' key for a missing region, category, cause or department
# (backend/services/reports.py UNSPECIFIED).
UNSPECIFIED_ZH = "未填写"


def label_zh(table: dict, code: str) -> str:
    """A code's Chinese label from one of the tables above (keyed by str enums or
    strings alike); the reports' 'unspecified' as 未填写; free text as it is."""
    if code == "unspecified":
        return UNSPECIFIED_ZH
    return table.get(code, code)
