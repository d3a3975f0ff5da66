"""Varied customer conversations for bench/chat_rest.py.

Each conversation is drawn from a seeded random generator: a kind (repair told step by
step, repair told in one message, maintenance booking, complaint, warranty question) and,
within it, different phrasings, appliances, models, addresses, phones and times, so no
two conversations send the same script. A step is (message, what the reply must contain):
the benchmark checks the conversation really went where it should (a ticket number at
the end of a form), so a derailed dialogue fails the run instead of being timed.
"""

from __future__ import annotations

import random

Step = tuple[str, str | None]

FAULTS = [
    ("空调", ["不制冷了", "开机没反应", "一直滴水", "外机噪音特别大", "制热效果很差"]),
    ("洗衣机", ["漏水", "不脱水了", "滚筒不转", "显示E21故障码", "进水很慢"]),
    ("冰箱", ["不制冷", "冷藏室结冰", "压缩机一直响", "门关不严"]),
    ("热水器", ["不出热水", "打不着火", "漏水了", "水温忽冷忽热"]),
    ("油烟机", ["吸力变小了", "噪音很大", "灯不亮了"]),
]
MODELS = ["KFR-35GW/BpR3", "KFR-72LW", "XQG100-B14", "BCD-470WDPG", "JSQ25-13WT", "CXW-260"]
DISTRICTS = ["朝阳区", "海淀区", "东城区", "西城区", "丰台区", "通州区"]
ROADS = ["建国路", "中关村大街", "望京西路", "学院路", "长安街", "新华北路", "科技园路"]
VISIT = ["明天上午", "后天下午", "周六上午", "明天下午3点以后", "下周一上午", "今天下午"]
DATES = ["下周三", "12月5日", "后天", "下周一", "12月10日"]
MAINTENANCE = ["想约个保养", "空调需要清洗保养", "预约一下保养", "我想预约上门保养"]
THANKS = ["谢谢", "好的，谢谢", "谢谢你", "辛苦了，谢谢"]
CONFIRM = ["确认", "/affirm", "确认提交", "好的", "没问题"]


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _address(rng: random.Random) -> str:
    return (
        f"{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randint(1, 199)}号"
        f"{rng.randint(1, 9)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}"
    )


def _fault(rng: random.Random) -> str:
    appliance, faults = rng.choice(FAULTS)
    return appliance + rng.choice(faults)


def _said_phone(rng: random.Random, phone: str) -> str:
    spaced = f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    return rng.choice([phone, f"电话{phone}", f"我的手机是 {spaced}", spaced])


def _said_model(rng: random.Random) -> str:
    model = rng.choice(MODELS)
    return rng.choice([model, f"型号是{model}", f"型号{model}", model.lower()])


def repair_step_by_step(rng: random.Random) -> list[Step]:
    steps: list[Step] = []
    if rng.random() < 0.5:
        steps.append((rng.choice(["你好", "您好", "在吗"]), None))
    steps += [
        (rng.choice(["我要报修", "你好，我要报修", "麻烦安排师傅上门维修", "报修"]), "描述"),
        (_fault(rng), "型号"),
        (_said_model(rng), "地址"),
        (rng.choice(["", "我家在", "地址是"]) + _address(rng), "电话"),
        (_said_phone(rng, _phone(rng)), "上门"),
        (rng.choice([*VISIT, "/skip"]), "请核对"),
        (rng.choice(CONFIRM), "单号"),
        (rng.choice(THANKS), None),
    ]
    return steps


def repair_in_one_message(rng: random.Random) -> list[Step]:
    fault, model, address, phone = _fault(rng), rng.choice(MODELS), _address(rng), _phone(rng)
    parts = [f"型号{model}", f"地址{address}", f"电话{phone}"]
    rng.shuffle(parts)
    steps: list[Step] = []
    if rng.random() < 0.5:
        steps.append((rng.choice(["你好", "您好"]), None))
    steps += [
        (f"{fault}，" + "，".join(parts), "上门"),
        (rng.choice(VISIT), "请核对"),
    ]
    if rng.random() < 0.5:
        steps.append((f"地址改成{_address(rng)}", "已为您更新"))
    steps.append((rng.choice(CONFIRM), "单号"))
    if rng.random() < 0.6:
        steps.append((rng.choice(["我的工单到哪了", "查一下进度", "维修进度怎么样了"]), None))
    steps.append((rng.choice(THANKS), None))
    return steps


def maintenance(rng: random.Random) -> list[Step]:
    return [
        (rng.choice(MAINTENANCE), "型号"),
        (_said_model(rng), "哪一天"),
        (rng.choice(DATES), "地址"),
        (_address(rng), "电话"),
        (_said_phone(rng, _phone(rng)), "请核对"),
        (rng.choice(CONFIRM), "单号"),
    ]


def complaint(rng: random.Random) -> list[Step]:
    opening = rng.choice(
        [
            "师傅态度太差了，我要投诉",
            "上门的师傅迟到了两个小时，我要投诉",
            "我要投诉，师傅乱收费",
            "投诉一下，师傅修完把地板弄得很脏也不管",
        ]
    )
    severity = rng.choice(['/inform{"severity":"normal"}', '/inform{"severity":"serious"}'])
    return [
        (opening, "工单"),
        ("/skip", "严重程度"),
        (severity, "电话"),
        (_said_phone(rng, _phone(rng)), "请核对"),
        (rng.choice(CONFIRM), "单号"),
        (rng.choice(THANKS), None),
    ]


def warranty(rng: random.Random) -> list[Step]:
    return [
        (rng.choice(["还在保修期吗", "我的空调还在保修期内吗", "上门维修要收费吗"]), "序列号"),
        (_said_model(rng), None),
        (rng.choice(THANKS), None),
        (rng.choice(["再见", "拜拜"]), None),
    ]


KINDS = [
    (repair_step_by_step, 35),
    (repair_in_one_message, 25),
    (maintenance, 15),
    (complaint, 15),
    (warranty, 10),
]


def conversation(seed: int) -> list[Step]:
    rng = random.Random(seed)
    make = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
    return make(rng)
