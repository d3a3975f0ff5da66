"""Greetings, thanks and goodbyes never fall back (pure Python, no Rasa).

Three rules, used by aftercare_nlu.social (inside the Rasa pipeline) and by
aftercare_nlu.crossval (to score cross-validation the way the server decides):

1. `lexicon_intent(text)`: a message made *only* of social phrases (你好 / 在吗 /
   谢谢 / 辛苦了 / 拜拜 / 88 / 再见 ...), fillers (啊 呀 哈 亲 客服 ...),
   acknowledgements (好的 / 嗯嗯 / 收到 / ok), punctuation and emoji is that social
   intent, whatever the model says: goodbye if a goodbye phrase is in it, else thanks,
   else greet (🙏 alone: thanks; ✋ or 🙋 alone: greet). Anything else in the message
   (a fault, a question, 不用了) and the model decides.
2. `carried_intent(text)`: in a message the model could not place (it fell back), an
   unambiguous social phrase (你好 / 谢谢 / 再见 ...) is what the person said to us:
   嘿，机器人你好呀 or 饭糊了！先走了拜拜 is answered as a greeting or a goodbye, not
   with "I did not understand". Only for fallbacks: the model's own answer stands.
3. `rescue(ranking, fallen_back)`: when the fallback threshold fired but the model's
   best guess is greet / thanks / goodbye / out_of_scope with at least
   `threshold` confidence, keep that guess: answering a greeting with "I did not
   understand" is worse than a greeting answered, and an off-topic message gets the
   friendly "I help with after-sales..." instead of service buttons. Service intents
   still fall back under the normal threshold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

RESCUED = ("greet", "thanks", "goodbye", "out_of_scope")

GREET = """
你好 您好 妳好 你嚎 泥嚎 你号 尼好 您嚎 你们好 大家好 在吗 在嘛 在么 在麼 在不在 在不 在咩 在否
在线吗 在线不 有人吗 有人没 有人在吗 有人在线吗 有没有人 有冇人 哈喽 哈啰 哈咯 哈罗 哈楼 嗨喽 嗨
hello hallo hola hi hey hiya nihao zaima good_morning good_afternoon good_evening
早上好 早安 早 早晨 上午好 中午好 下午好 晚上好 午安
喂 好久不见 打扰了 打扰一下 请问 有没有人在 在麽 你hao 你好吗 您好吗 最近好吗
✋ 🙋 🖐 🤚
"""
THANKS = """
谢谢 多谢 感谢 谢了 谢啦 谢谢啦 蟹蟹 射射 謝謝 感謝 多謝 辛苦了 辛苦啦 辛苦 麻烦了 麻烦你了 麻烦您了
有劳了 劳驾 感恩 万分感谢 感激不尽 唔该 唔该晒 多谢晒
thanks thank_you thank_u thankyou thx thks thanx thnx ty tq tysm tks 3q 3ks
xiexie duoxie ganxie xxl xxn
多亏你了 多亏你们了 帮大忙了 帮了大忙
"""
GOODBYE = """
再见 再見 拜拜 拜 掰掰 白白 bye byebye bye_bye 88 886 8888 回头见 明天见 改天见 下次见 回见 再会
晚安 告辞 see_you see_ya see_u cya ttyl gn good_night goodnight nite baibai zaijian zj
先这样 下线了 先下了 我先下了 先走了 溜了 撤了 回聊 下回聊
没事了 没别的了 不打扰了 回头再聊 下次再聊 改天再聊 有空再聊 下次再说 不聊了 先挂了 再联系
你忙吧 您忙 去忙了 结束对话 我下了 掰 保重 走人 闪了 闪人了 先撤 gtg bye4now
"""
FILLER = """
啊 呀 吖 ya 哈 哈哈 嘛 呢 吧 啦 了 嗯 嗯嗯 噢 哦 喔 哟 咯 嘞 哒 滴 呐 亲 亲亲
你 您 你们 客服 师傅 小姐姐
小哥哥 美女 帅哥 老铁 兄弟 小助手 老师 老板 朋友 好的 好滴 好嘞 好 嗯好 行 ok okay 收到
知道了 明白了 了解了 懂了 啦啦 非常 太 真是 真的 十分 特别 超级 so_much very_much a_lot
大家 一下 哈喽哈喽 又
我 先 那 那就 也 还是 都 就 的 个 帮助 帮忙 耐心 解答 服务 回复 🙏 囉 喽 啰 耶 哇 鸭 噻 侬
"""

_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]"  # emoji, dingbats, joiners
)
_PUNCT = re.compile(r"[\s,，.。!！?？~～、;；:：…·'\"“”‘’()（）\-_^*+=/\\|<>《》]+")


def _alternation(*groups: str) -> re.Pattern[str]:
    words = sorted({w for g in groups for w in g.split()}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words))


# A multi-word English phrase is written with "_" in the lists and compared without
# it (the spaces are gone once punctuation is removed). Written with a space, its
# parts became phrases of their own: "ni hao ya" read as a goodbye for its "ya".
def _words(group: str) -> set[str]:
    return {w.replace("_", "") for w in group.split()}


_PHRASES = {
    "goodbye": _words(GOODBYE),
    "thanks": _words(THANKS),
    "greet": _words(GREET),
}
_FILLERS = _words(FILLER)
_ANY = _alternation(
    " ".join(_PHRASES["goodbye"]),
    " ".join(_PHRASES["thanks"]),
    " ".join(_PHRASES["greet"]),
    " ".join(_FILLERS),
)


# Emoji that say something: folded hands thank, a raised hand greets (beside 拜拜 it
# is a goodbye, as goodbye phrases win). A waving hand alone is either (the data has
# 👋👋 as a goodbye): the model decides, and carried_intent greets if it fell back.
# Every other emoji is decoration.
_SAYING_EMOJI = frozenset("🙏✋🙋🖐🤚")


def _kept_emoji(match: re.Match[str]) -> str:
    return match.group() if match.group() in _SAYING_EMOJI else ""


def lexicon_intent(text: str) -> str | None:
    """The social intent of a message made only of social phrases and fillers."""
    rest = _PUNCT.sub("", _EMOJI.sub(_kept_emoji, text.lower()))
    if not rest:
        return None
    found: set[str] = set()
    pos = 0
    while pos < len(rest):
        match = _ANY.match(rest, pos)
        if not match:
            return None
        word = match.group()
        for intent in ("goodbye", "thanks", "greet"):
            if word in _PHRASES[intent]:
                found.add(intent)
        pos = match.end()
    for intent in ("goodbye", "thanks", "greet"):
        if intent in found:
            return intent
    # Folded hands alone (or with fillers) thank; beside 你好 they are politeness.
    return "thanks" if "🙏" in rest else None


# Phrases that are social wherever they stand in a message (no 请问, 拜, 88: 拜托,
# 88块). Latin words need a non-letter on both sides (hi is not in this).
CARRIED = {
    "goodbye": """
        再见 再見 拜拜 掰掰 白白 回头见 明天见 改天见 下次见 回见 再会 晚安 告辞 下线了 先走了
        溜了 撤了 bye goodbye
    """,
    "thanks": """
        谢谢 多谢 感谢 谢啦 谢了 蟹蟹 謝謝 多謝 感謝 辛苦了 辛苦啦 辛苦您了 唔该 感恩
        thanks thank thx
    """,
    "greet": """
        你好 您好 你们好 大家好 哈喽 哈啰 早上好 早安 上午好 中午好 下午好 晚上好 午安
        在吗 在不在 有人吗 hello hi hey 👋
    """,
}
_CARRIED = {
    intent: re.compile(
        "|".join(
            rf"(?<![a-z]){re.escape(w)}(?![a-z])" if w.isascii() else re.escape(w)
            for w in sorted(words.split(), key=len, reverse=True)
        )
    )
    for intent, words in CARRIED.items()
}


def carried_intent(text: str) -> str | None:
    """The social intent an unambiguous phrase in the message carries (goodbye first,
    then thanks, then greet, as in lexicon_intent)."""
    lowered = text.lower()
    return next((i for i, pattern in _CARRIED.items() if pattern.search(lowered)), None)


def rescue(
    ranking: Sequence[tuple[str, float]], threshold: float, intents: Sequence[str] = RESCUED
) -> tuple[str, float] | None:
    """The model's best guess if it is a social / off-topic intent confident enough."""
    best = next(((n, c) for n, c in ranking if n != "nlu_fallback"), None)
    if best is not None and best[0] in intents and best[1] >= threshold:
        return best
    return None
