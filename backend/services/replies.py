"""What the desk says back, independent of any channel.

Channels render a Reply in their own wire format (Telegram inline keyboard, REST
`buttons`); a button's payload comes back as the user's next input.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    request_contact: bool = False  # Telegram: offer the "share my phone" keyboard

    def to_payload(self) -> dict:
        """The outbox payload form of a reply."""
        data: dict = {"text": self.text}
        if self.buttons:
            data["buttons"] = [{"title": b.title, "payload": b.payload} for b in self.buttons]
        return data

    @classmethod
    def from_payload(cls, data: dict) -> Reply:
        buttons = tuple(Button(b["title"], b["payload"]) for b in data.get("buttons", ()))
        return cls(text=data["text"], buttons=buttons)
