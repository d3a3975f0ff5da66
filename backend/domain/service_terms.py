"""The published price list and the service wording customers see, from a TOML file
(the shipped backend/domain/data/service.toml, or AFTERCARE_SERVICE_FILE). Checked whole
when it is loaded, at start: a missing or unknown key, an empty price list, or a text
using a placeholder the desk does not fill is refused with the file and the key named,
so a typo stops the app instead of reaching a customer half-filled."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

# Each text and the placeholders the desk fills in it.
WORDING: dict[str, frozenset[str]] = {
    "paid_notice": frozenset({"prices"}),
    "warranty_free": frozenset({"product", "until"}),
    "warranty_contract": frozenset({"product", "until"}),
    "warranty_paid": frozenset({"product", "prices"}),
    "warranty_unknown": frozenset({"prices"}),
}
MAX_TEXT = 500  # one chat message holds several of them


class ServiceTermsError(ValueError):
    """The file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class PriceItem:
    name: str
    price: str


@dataclass(frozen=True)
class ServiceTerms:
    items: tuple[PriceItem, ...]
    note: str
    wording: Mapping[str, str]

    @property
    def price_list(self) -> str:
        listed = "，".join(f"{i.name} {i.price}" for i in self.items)
        return f"收费标准：{listed}；{self.note}" if self.note else f"收费标准：{listed}。"

    def say(self, text: str, **values: object) -> str:
        """The wording `text` with its placeholders filled (the price list included)."""
        return self.wording[text].format(prices=self.price_list, **values)

    @classmethod
    def load(cls, path: str | Path | None = None) -> ServiceTerms:
        if path is None:
            return _shipped()
        try:
            raw = Path(path).read_text("utf-8")
        except OSError as exc:
            raise ServiceTermsError(f"{path}: cannot be read ({exc.strerror})") from None
        return cls.parse(raw, str(path))

    @classmethod
    def parse(cls, raw: str, source: str) -> ServiceTerms:
        try:
            data = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            raise ServiceTermsError(f"{source}: not valid TOML ({exc})") from None
        return cls.from_mapping(data, source)

    @classmethod
    def from_mapping(cls, data: Mapping, source: str) -> ServiceTerms:
        def fail(where: str, problem: str):
            raise ServiceTermsError(f"{source}: {where}: {problem}")

        _keys(data, {"prices", "wording"}, "the file", fail)
        prices, wording = data["prices"], data["wording"]
        _keys(prices, {"items", "note"}, "[prices]", fail)
        items = prices["items"]
        if not isinstance(items, list) or not items:
            fail("prices.items", "give at least one {name, price}")
        parsed = []
        for n, item in enumerate(items, 1):
            where = f"prices.items[{n}]"
            _keys(item, {"name", "price"}, where, fail)
            parsed.append(
                PriceItem(_text(item["name"], where, fail), _text(item["price"], where, fail))
            )
        note = prices["note"]
        if not isinstance(note, str) or len(note) > MAX_TEXT:
            fail("prices.note", f"a text of at most {MAX_TEXT} characters")
        _keys(wording, set(WORDING), "[wording]", fail)
        texts = {}
        for name, allowed in WORDING.items():
            where = f"wording.{name}"
            text = _text(wording[name], where, fail)
            try:
                used = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
            except ValueError:
                fail(where, "a { or } without its pair (write {{ or }} for the sign itself)")
            if used - allowed:
                wanted = ", ".join(f"{{{a}}}" for a in sorted(allowed))
                fail(where, f"unknown placeholder {sorted(used - allowed)}; it may use {wanted}")
            texts[name] = text
        return cls(tuple(parsed), note.strip(), texts)


def _keys(table, wanted: set[str], where: str, fail) -> None:
    if not isinstance(table, Mapping):
        fail(where, "must be a table")
    missing, unknown = wanted - set(table), set(table) - wanted
    if missing:
        fail(where, f"missing {', '.join(sorted(missing))}")
    if unknown:
        fail(where, f"unknown key {', '.join(sorted(unknown))}")


def _text(value, where: str, fail) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        fail(where, f"a non-empty text of at most {MAX_TEXT} characters")
    return value


@cache
def _shipped() -> ServiceTerms:
    raw = resources.files("backend.domain.data").joinpath("service.toml").read_text("utf-8")
    return ServiceTerms.parse(raw, "backend/domain/data/service.toml")
