"""The machinery every button kind shares: ``Callback`` and the codecs of its data's fields.

A kind declares its wire format instead of coding it: ``wire=(ID, PAGE)`` names one codec per
dataclass field, in order (``Fixed`` words stand for no field; an ``Omittable`` last codec is
left off when its field holds the default). ``Callback`` packs and parses from that; a kind
that is just a page of a list derives from ``Paged``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar, Generic, Self, TypeVar

from bot.ui.limits import MAX_CALLBACK_DATA

MAX_ID = 2**63 - 1  # ids are 64-bit signed integers in the database
MAX_PAGE = 999_999
_PREFIX = re.compile(r"[a-z]+(?::[a-z]+)*")
T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


class Codec(ABC, Generic[T]):
    """How one field of a button's data is written, and read back like untrusted input."""

    @abstractmethod
    def pack(self, value: T) -> str:
        """The field's text on the wire."""

    @abstractmethod
    def parse(self, text: str) -> T | None:
        """The value ``text`` stands for, or None if it isn't a valid one."""


@dataclass(frozen=True)
class Number(Codec[int]):
    """A whole number in [low, high], written as 1..``digits`` ASCII digits."""

    digits: int
    low: int
    high: int

    def pack(self, value: int) -> str:
        return str(value)

    def parse(self, text: str) -> int | None:
        # str.isdigit() alone says yes to "１" and "٣": ASCII only
        if not 0 < len(text) <= self.digits or not text.isascii() or not text.isdigit():
            return None
        value = int(text)
        return value if self.low <= value <= self.high else None


@dataclass(frozen=True)
class Choice(Codec[E]):
    """A member of a ``StrEnum``, written as its value."""

    kind: type[E]

    def pack(self, value: E) -> str:
        return value.value

    def parse(self, text: str) -> E | None:
        try:
            return self.kind(text)
        except ValueError:
            return None


@dataclass(frozen=True)
class Fixed(Codec[str]):
    """A fixed word on the wire that carries no field (``my:0``, ``ses:others``)."""

    word: str

    def pack(self, value: str) -> str:
        return self.word

    def parse(self, text: str) -> str | None:
        return text if text == self.word else None


@dataclass(frozen=True)
class Omittable(Codec[T]):
    """The last field, left off the wire while it holds ``default``; written out, it never
    does (``mc:1:open`` is not ``mc:1``: each value has one spelling)."""

    codec: Codec[T]
    default: object

    def pack(self, value: T) -> str:
        return self.codec.pack(value)

    def parse(self, text: str) -> T | None:
        value = self.codec.parse(text)
        return None if value == self.default else value


ID = Number(digits=len(str(MAX_ID)), low=1, high=MAX_ID)  # a row's id: 1..2**63-1
PAGE = Number(digits=len(str(MAX_PAGE)), low=0, high=MAX_PAGE)  # a page of a list: 0..999999


@dataclass(frozen=True)
class Callback:
    """Base of every button kind: ``class X(Callback, prefix="x", wire=(ID, PAGE))``, a frozen
    dataclass whose fields the codecs in ``wire`` write, in order."""

    prefix: ClassVar[str]
    wire: ClassVar[tuple[Codec[Any], ...]] = ()
    _kinds: ClassVar[dict[str, type[Callback]]] = {}

    def __init_subclass__(
        cls, *, prefix: str | None, wire: tuple[Codec[Any], ...] | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if wire is not None:
            cls.wire = wire
        if prefix is None:  # a building block of kinds (``Paged``), not a kind of its own
            return
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"bad callback prefix {prefix!r}")
        for other in Callback._kinds:
            if f"{other}:".startswith(f"{prefix}:") or f"{prefix}:".startswith(f"{other}:"):
                raise ValueError(f"callback prefix {prefix!r} overlaps {other!r}")
        if any(isinstance(codec, Omittable) for codec in cls.wire[:-1]):
            raise ValueError(f"only the last field of {prefix!r} may be left off")
        cls.prefix = prefix
        Callback._kinds[prefix] = cls

    @classmethod
    def kinds(cls) -> list[type[Callback]]:
        """Every button kind there is."""
        return list(Callback._kinds.values())

    @classmethod
    def kind_of(cls, data: object) -> type[Callback] | None:
        """The kind whose prefix ``data`` carries (whether or not the rest parses)."""
        if not isinstance(data, str):
            return None
        return next((kind for kind in cls.kinds() if kind.pattern().match(data)), None)

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        """Matches any data with this kind's prefix, for ``CallbackQueryHandler(pattern=...)``."""
        return re.compile(rf"^{re.escape(cls.prefix)}(?::|$)")

    def exact(self) -> re.Pattern[str]:
        """Matches this one value's data only (for a handler that takes just this button)."""
        return re.compile(rf"^{re.escape(self.pack())}$")

    def pack(self) -> str:
        """The callback data: ``prefix:field:field``, at most 64 bytes."""
        data = ":".join((self.prefix, *self._fields()))
        assert len(data.encode()) <= MAX_CALLBACK_DATA, data
        return data

    @classmethod
    def parse(cls, data: object) -> Self | None:
        """The button ``data`` stands for, or None if it isn't a valid one of this kind."""
        if not isinstance(data, str) or len(data) > MAX_CALLBACK_DATA:
            return None
        if data == cls.prefix:
            texts: list[str] = []
        elif data.startswith(f"{cls.prefix}:"):
            texts = data[len(cls.prefix) + 1 :].split(":")
        else:
            return None
        return cls._from_fields(texts)

    def _fields(self) -> Sequence[str]:
        """The fields after the prefix, written by ``wire`` (a kind may write its own)."""
        values = iter([getattr(self, field.name) for field in fields(self)])
        texts = []
        for codec in self.wire:
            value = None if isinstance(codec, Fixed) else next(values)
            if not (isinstance(codec, Omittable) and value == codec.default):
                texts.append(codec.pack(value))
        return texts

    @classmethod
    def _from_fields(cls, texts: list[str]) -> Self | None:
        """The value the fields after the prefix stand for, read by ``wire``, or None."""
        wire = cls.wire
        least = len(wire) - (1 if wire and isinstance(wire[-1], Omittable) else 0)
        if not least <= len(texts) <= len(wire):
            return None
        values = []
        for codec, text in zip(wire, texts, strict=False):  # a left-off field: its default
            value = codec.parse(text)
            if value is None:
                return None
            if not isinstance(codec, Fixed):
                values.append(value)
        return cls(*values)


@dataclass(frozen=True)
class Paged(Callback, prefix=None, wire=(PAGE,)):
    """A building block: a kind that is a page of one list, ``prefix:PAGE``. Declare one as
    ``class X(Paged, prefix="x")`` with a docstring."""

    page: int = 0
