"""What the bot says (Simplified Chinese). Ticket-level wording lives in backend.services.texts."""

from __future__ import annotations

from backend.services.replies import Button
from backend.services.texts import HOW_CAN_I_HELP, MENU  # noqa: F401 (one copy, shared with staff)

# A value longer than the desk can store (backend/domain/fields.py).
TOO_LONG = "{what}有点长了（最多 {size} 个字），麻烦您简要说明后再发给我。"

WELCOME = "您好，这里是售后服务中心，很高兴为您服务！请直接描述您遇到的问题，或点击下面的按钮："
THANKS = "不客气，能帮到您是我们的荣幸！"
GOODBYE = "感谢您的咨询，祝您生活愉快，再见！"
GOODBYE_MID_FORM = "好的。您的{title}还没有提交，信息我先帮您保留着，随时回来继续就行。"
OUT_OF_SCOPE = (
    "抱歉，这个问题我帮不上忙。我是售后服务助手，可以帮您报修、投诉、查询进度、催单或预约保养。"
)
NOT_UNDERSTOOD = "抱歉，我没太理解您的意思。请换个说法，或点击下面的按钮选择您要办理的业务："
NLU_STARTING = (
    "您好，智能助手正在启动，暂时还不能理解文字描述。请先点击下面的按钮选择您要办理的业务，"
    "我会一步步引导您："
)
NLU_DOWN = "抱歉，文字理解服务暂时不可用。请点击下面的按钮选择您要办理的业务，我会一步步引导您："
HANDOFF = "好的，正在为您转接人工客服，请稍候，客服会在这里直接回复您。"
HANDOFF_AFTER_MISSES = "抱歉，我还是没能理解。已为您转接人工客服，请稍候，客服会在这里直接回复您。"
CONTINUE = "我们继续刚才的{title}："
DETAIL_NOTED = "您说的情况已记在{what}里了。"
SWITCHED = "好的，刚才的{old}先不办了，我们来办理{new}。"
FORM_CANCELLED = "好的，已取消本次{title}，没有提交任何信息。" + HOW_CAN_I_HELP
NOTHING_TO_CANCEL = "您目前没有正在办理的业务，也没有可以取消的工单。"
OK_NOTED = "好的。" + HOW_CAN_I_HELP

CONFIRM = "请核对以下信息：\n{lines}\n\n信息无误请点击“确认提交”，需要修改请点击“修改”。"
CONFIRM_AGAIN = "请确认以上信息是否正确：点击“确认提交”提交，或点击“修改”修改某一项。"
UPDATED = "已为您更新。"
WHICH_TO_EDIT = "请问要修改哪一项？"
CONFIRM_BUTTONS = (
    Button("确认提交", "/affirm"),
    Button("修改", "/deny"),
    Button("取消", "/cancel"),
)

ASK_PRODUCT = "请提供产品的型号（如 KFR-35GW）或机身序列号（在机身铭牌上）。"
ASK_PRODUCT_KNOWN = "请问是哪一台产品？可以点击下面您名下的产品，或直接告诉我型号/序列号。"
BAD_PRODUCT = (
    "抱歉，没能识别出型号或序列号。型号一般是字母加数字，如 KFR-35GW；序列号印在机身铭牌上。"
)
PRODUCT_UNKNOWN_LABEL = "型号不详"
ASK_DESCRIPTION = "请简单描述一下故障情况，比如“空调不制冷”“洗衣机漏水”。"
ASK_COMPLAINT = "非常抱歉给您带来不好的体验。请告诉我具体发生了什么？"
BAD_TEXT = "抱歉，没看明白，请用文字再描述一下。"
ASK_ADDRESS = "请提供上门服务的详细地址（区、街道、门牌号）。"
ASK_ADDRESS_KNOWN = "请提供上门地址。登记地址是：{address}，可以直接点击使用。"
BAD_ADDRESS = "地址好像不完整，请提供区、街道和门牌号，例如：朝阳区建国路88号3单元502。"
ASK_PHONE = "请留一个联系电话，方便师傅上门前联系您。"
BAD_PHONE = "这个号码好像不对，请输入 11 位手机号（如 13812345678）或带区号的座机号。"
ASK_VISIT_TIME = "您希望师傅什么时间上门？例如“明天上午”“周六下午”。"
ASK_DATE = "您希望预约哪一天？例如“下周一”“12月5日”。"
BAD_DATE = "没能识别这个日期，请说具体一点，例如“明天”“下周三”“12月5日”。"
PAST_DATE = "预约日期需要是今天以后的日期，请换一天。"
ASK_CONCERNING = "这次投诉和哪张工单有关？可以点击下面的工单，或直接输入工单号。"
ASK_CONCERNING_NONE = "这次投诉和哪张工单有关？有工单号请直接输入，没有的话点击“不涉及具体工单”。"
UNKNOWN_TICKET = "没有在您的记录里找到工单 {number}，请核对单号。"
ASK_SEVERITY = "请问问题的严重程度？严重问题会立即转交主管处理。"
SEVERITY_BUTTONS = (
    Button("一般问题", '/inform{"severity":"normal"}'),
    Button("严重，需要主管立即处理", '/inform{"severity":"serious"}'),
)
BAD_SEVERITY = "请点击下面的按钮选择严重程度。"

SKIP_PRODUCT = Button("不清楚型号", "/skip")
SKIP_VISIT = Button("尽快安排", "/skip")
SKIP_CONCERNING = Button("不涉及具体工单", "/skip")
VISIT_ASAP = "尽快安排"

REPAIR_DONE = (
    "已为您登记报修，单号：{number}。\n服务类别：{category}\n时效承诺（{promise}）。\n"
    "工单状态有变化时我们会第一时间通知您，您也可以随时发“查询进度”。"
)
COMPLAINT_DONE = (
    "您的投诉已登记，单号：{number}。我们会在 24 小时内与您联系并给出答复，给您带来不便，非常抱歉。"
)
COMPLAINT_SERIOUS = "\n该投诉已立即转交主管处理。"
MAINTENANCE_DONE = (
    "已为您预约保养，单号：{number}，预约日期：{date}。\n服务类别：{category}\n"
    "上门前一天我们会提醒您。"
)
SUBMIT_FAILED = "抱歉，提交时出了点问题：{reason}。请修改后再试，或转人工客服。"

NO_TICKETS = "没有查到您名下的工单。"
NO_OPEN_TICKETS = "您目前没有未完成的工单。"
WHICH_TICKET = "您有多张工单，请问是哪一张？"
TICKET_NOT_FOUND = "没有在您的记录里找到工单 {number}，请核对单号。"
STATUS_HEAD = "{kind}单 {number}：{status}"

EXPEDITED = "已帮您催促处理，工单 {number} 目前状态：{status}。"
EXPEDITE_ESCALATED = "该工单已接近或超过承诺时限，已同时上报主管优先处理。"
EXPEDITE_FINAL = "工单 {number} 已经{status}，不需要再催了。"

CANCEL_CONFIRM = "确定要取消工单 {number}（{status}）吗？"
CANCEL_BUTTONS_YES = "确定取消"
CANCEL_BUTTONS_NO = "不取消"
CANCELLED = "工单 {number} 已为您取消。" + HOW_CAN_I_HELP
CANCEL_KEPT = "好的，工单 {number} 保留，继续为您处理。"
CANNOT_CANCEL = "工单 {number} 当前{status}，已经无法在线取消，如有需要请转人工客服。"

WARRANTY_ASK = "请提供产品的序列号或型号，我帮您查询保修情况。"
# The price list and the warranty answers come from the service terms file
# (backend/domain/data/service.toml, AFTERCARE_SERVICE_FILE): ctx.desk.terms.say(...).

CONTACT_BOUND = "已绑定手机号 {phone}，现在可以查询您名下的所有工单了。"
CONTACT_NOT_OWN = "为保护您的信息，只能分享您本人的手机号，请点击“分享手机号”按钮。"
SHARE_PHONE = "分享手机号"
PHOTO_SAVED = "照片已收到，会附在您的{what}里供师傅参考。"
PHOTO_NO_TICKET = "照片已收到。请先告诉我遇到了什么问题，我会把照片附到工单里。"

FIELD_LABELS = {
    "product": "产品",
    "description": "故障描述",
    "address": "上门地址",
    "phone": "联系电话",
    "visit_time": "期望上门时间",
    "requested_date": "预约日期",
    "concerning": "相关工单",
    "severity": "严重程度",
}
SEVERITY_ZH = {"normal": "一般", "serious": "严重"}

# The loop guard (bot/dialogue/steps.py ask_slot): never the same question a fourth time.
PICK_A_CHOICE = "为了不耽误您的时间，{what}请直接点击下面的选项之一："
OFFER_PERSON = (
    "抱歉，{what}我一直没能记录下来。您可以换一种说法再试一次，"
    "也可以点击下面的按钮转人工客服，由客服帮您办理。"
)
HANDOFF_AFTER_TRIES = (
    "抱歉，{what}我还是没能记录下来。已为您转接人工客服，请稍候，客服会在这里直接回复您。"
)
HUMAN_BUTTON = Button("转人工客服", "/request_human")
SKIP_BUTTON = Button("跳过这一项", "/skip")
CANCEL_FORM_BUTTON = Button("取消本次办理", "/cancel")

# Verification (bot/dialogue/verify.py): before a chat sees anyone's records.
VERIFY_BUTTON = Button("验证手机号", "/verify")
VERIFY_OFFER = "如需查看您名下的产品、地址和电话报修等工单，请先点击“验证手机号”完成身份验证。"
VERIFY_OFFER_TELEGRAM = (
    "如需查看您名下的产品、地址和电话报修等工单，请点击“分享手机号”分享您本人的手机号，"
    "或发送“验证手机号”用短信验证码验证。"
)
VERIFY_ASK_PHONE = "请输入您在我们这里登记的手机号，我们会发送一条 6 位验证码短信到这个号码。"
VERIFY_ASK_PHONE_TELEGRAM = (
    "请点击下方“分享手机号”按钮分享您本人的手机号；也可以直接输入手机号，我们会发送短信验证码。"
)
VERIFY_MOBILE_ONLY = "验证码只能发送到 11 位手机号，请输入您的手机号（如 13812345678）。"
VERIFY_CODE_SENT = "验证码已发送到 {phone}，5 分钟内有效，请直接输入短信里的 6 位数字。"
VERIFY_SEND_FAILED = "抱歉，短信暂时没能发出去，请稍后再试，或转人工客服核实身份。"
VERIFY_WRONG = "验证码不正确，请核对后重新输入（还可以再试 {left} 次）。"
VERIFY_LOCKED = "验证码错误次数过多，已失效。如需继续，请点击“验证手机号”重新获取。"
VERIFY_EXPIRED = "验证码已过期，请点击“验证手机号”重新获取。"
VERIFY_NO_CODE = "还没有给您发送验证码，请点击“验证手机号”开始验证。"
VERIFIED = "验证成功，已绑定手机号 {phone}。现在可以查询您名下的产品和所有工单了。"
VERIFY_PRIVATE_ONLY = "为保护您的信息，群聊里不能验证身份或查看个人记录，请私聊我办理。"
ALREADY_VERIFIED = "您已经完成验证，可以直接查询您名下的产品和工单。"
WARRANTY_VERIFY = (
    "保修期内维修免费，过保后为有偿服务。{prices}\n为保护客户信息，需要先验证身份才能查询具体"
    "产品的保修情况；直接报修也可以，客服会核实后告知服务类别。"
)
CATEGORY_AFTER_CHECK = (
    "客服核实产品信息后告知（保修期内免费，过保后按收费标准，派工前会先和您确认）"
)
ASK_ADDRESS_TYPED = (
    "请提供上门服务的详细地址（区、街道、门牌号）。"
    "为保护客户信息，登记地址只在验证手机号后显示（办完后发送“验证手机号”即可）。"
)

# A staff member's one-time binding link (`/start <token>`, Telegram only).
STAFF_BOUND = "绑定成功！{name}，您好：今后工单的 SLA 预警和催办通知会发送到这个对话，请留意查收。"
STAFF_LINK_INVALID = (
    "抱歉，这个绑定链接已失效（已经使用过或已过期），未做任何绑定。请联系管理员重新生成链接。"
)
STAFF_BIND_PRIVATE = "为保护您的账号，请在与我的私聊中打开绑定链接。"
