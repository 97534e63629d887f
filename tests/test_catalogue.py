"""The message catalogue is complete and current, and no user-facing text bypasses it.

``test_the_catalogue_is_up_to_date`` extracts the messages from the code as ``make i18n``
does and compares them with bot/locales; ``test_no_text_bypasses_gettext`` walks the
presentation code's syntax trees for string literals that read like prose (letters and a
space, or an emoji) anywhere but in ``_()`` / ``ngettext()`` / ``pgettext()``, docstrings,
logging calls and raised exceptions (messages for developers), or ``ALLOWED``.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from bot.ui import i18n

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "bot" / "locales"
# where user-facing text is written
PRESENTATION = [
    "bot/handlers",
    "bot/forms",
    "bot/ui",
    "bot/menu.py",
    "bot/outbox.py",
    "bot/app.py",
]
GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
LOGGING = {"debug", "info", "warning", "error", "exception", "critical", "log"}
# literals that read like prose but are not shown to anyone
ALLOWED = {
    "not modified",  # Telegram's error text for an edit that changes nothing
    "handling an update",  # part of a log line (bot/handlers/errors.py)
}


def _messages(catalog: Catalog) -> set[tuple[str | None, object]]:
    return {(message.context, message.id) for message in catalog if message.id}


def _read(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def test_the_catalogue_is_up_to_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # pybabel reads [tool.babel.extract_messages] from pyproject.toml
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-o", str(fresh)])  # type: ignore[no-untyped-call]
    expected = _messages(_read(fresh))
    assert len(expected) > 100
    hint = "the texts changed: run `make i18n` and commit bot/locales"
    assert _messages(_read(LOCALES / "messages.pot")) == expected, hint
    languages = sorted(LOCALES.glob("*/LC_MESSAGES/messages.po"))
    assert [po.parent.parent.name for po in languages] == sorted(i18n.available())
    assert "en" in i18n.available()
    for po in languages:
        catalog = _read(po)
        current = {(m.context, m.id) for m in catalog if m.id and not m.fuzzy}
        assert current == expected, f"{po}: {hint}"


def test_english_is_the_default_and_unknown_languages_fall_back_to_it() -> None:
    assert i18n.current().code == "en"
    with i18n.use_language("pt-BR") as language:
        assert language.code == "en" and i18n.current() is language
    with i18n.use_language("../../etc/passwd"):
        assert i18n.current().code == "en"
    assert i18n.ngettext("{count} seat left", "{count} seats left", 2) == "{count} seats left"


def _is_prose(text: str) -> bool:
    if text in ALLOWED:
        return False
    emoji = any(unicodedata.category(char) == "So" or ord(char) >= 0x1F000 for char in text)
    return emoji or (
        re.search(r"[^\W\d_]{2}", text) is not None and re.search(r"\s", text) is not None
    )


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _exempt_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes whose literals are not user-facing text (or are, through gettext)."""
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                exempt.add(id(body[0].value))  # a docstring
        covered: list[ast.AST] = []
        if isinstance(node, ast.Raise) and node.exc is not None:
            covered = [node.exc]  # an exception's message is for developers
        elif isinstance(node, ast.Call):
            name = _name(node.func)
            logger = isinstance(node.func, ast.Attribute) and _name(node.func.value) in {
                "log",
                "logger",
                "logging",
            }
            if name in GETTEXT or (name in LOGGING and logger):
                covered = [*node.args, *node.keywords]
        for root in covered:
            exempt.update(id(child) for child in ast.walk(root))
    return exempt


def prose_literals(source: str, filename: str) -> list[str]:
    """``file:line: 'text'`` for each prose string literal outside the catalogue's calls."""
    tree = ast.parse(source, filename)
    exempt = _exempt_nodes(tree)
    hits = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in exempt
        and _is_prose(node.value)
    ]
    hits.sort(key=lambda node: (node.lineno, node.col_offset))
    return [f"{filename}:{node.lineno}: {node.value!r}" for node in hits]


def _presentation_files() -> list[Path]:
    files: list[Path] = []
    for entry in PRESENTATION:
        path = ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
    return files


def test_no_text_bypasses_gettext() -> None:
    files = _presentation_files()
    assert len(files) > 10
    found = [
        hit
        for path in files
        for hit in prose_literals(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert found == [], "user-facing text must go through _() (bot/ui):\n" + "\n".join(found)


def test_the_literal_check_catches_what_it_should() -> None:
    source = '''
"""A module docstring, fine."""
def f(update):
    """A docstring, fine."""
    log.info("could not do it: %s", update)
    say(update, _("Hello there, {name}!").format(name="x"))
    say(update, ngettext("{n} seat", "{n} seats", 2))
    say(update, "\\n".join(["a", "b"]), callback_data="ev:1:reg")
    if "not modified" in str(update):
        raise ValueError("a message for developers")
    say(update, "Hello there")
    say(update, f"Welcome back, {update}")
    answer(update, "✅")
'''
    found = prose_literals(source, "snippet.py")
    assert [hit.split(": ", 1)[1] for hit in found] == [
        "'Hello there'",
        "'Welcome back, '",
        "'✅'",
    ]
