"""normalise stored email addresses the way sign-up and login now read them

Addresses that only look alike (``ｓame@x.org`` with a full-width s, ``same\\u200b@x.org`` with
a zero-width space, ``sa\\u00adme@x.org`` with a soft hyphen) used to be separate accounts.
``bot.services.accounts.clean_email`` now normalises every address typed; this revision brings
the stored ones to the same form, with a copy of those steps (``normal_email`` below), so that
it keeps doing what it did when the application's code changes later.

The column is unique, so two accounts whose addresses normalise alike can't both get the
normal form: an account already spelled that way keeps it, otherwise the earliest account
(lowest id) takes it. Each other one is left unchanged, and a warning names both ids for an
administrator to settle (its owner can't log in with it meanwhile: login finds the other
account). An address the new rules refuse (a text-direction character, a domain IDNA rejects)
is left unchanged with a warning too. The migration itself never fails on data.

Downgrade is a no-op: the old spellings are not kept, and every normalised address is valid
under the old rules (they lower-cased and accepted any such address).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 09:00:00.000000
"""

import logging
import re
import stringprep
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

MAX_EMAIL_CHARS = 254
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]{2,}$")
_REFUSED = {"Cc", "Cf", "Co", "Cs"}
_BLACK_FLAG = "\U0001f3f4"
_CANCEL_TAG = "\U000e007f"


def _hidden(text: str) -> bool:
    """Whether ``text`` has a control or format character outside an emoji tag sequence
    (the joiners the application also allows between visible characters are gone by now)."""
    i = 0
    while i < len(text):
        if unicodedata.category(text[i]) not in _REFUSED:
            i += 1
            continue
        end = i
        while end < len(text) and 0xE0020 <= ord(text[end]) < 0xE007F:
            end += 1
        if i == 0 or text[i - 1] != _BLACK_FLAG or end == i or text[end : end + 1] != _CANCEL_TAG:
            return True
        i = end + 1
    return False


def normal_email(raw: str) -> str | None:
    """A copy of ``clean_email`` as of this revision: the normal form, or None if refused."""
    text = "".join(char for char in raw if not stringprep.in_table_b1(char))
    text = unicodedata.normalize("NFKC", text).strip()
    if _hidden("".join(text.split())):
        return None
    text = unicodedata.normalize("NFKC", text.lower())
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return None
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
        ascii_domain.encode("ascii").decode("idna")
    except UnicodeError:
        return None
    email = f"{local}@{ascii_domain}"
    if len(email) > MAX_EMAIL_CHARS or not _EMAIL.match(email):
        return None
    return email


def upgrade() -> None:
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("email", sa.String()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.email).order_by(users.c.id)).all()
    claims: defaultdict[str, list[tuple[int, str]]] = defaultdict(list)
    for user_id, email in rows:
        normal = normal_email(email)
        if normal is None:
            log.warning(
                "users.id=%d: the email address is refused by the new rules (invisible "
                "characters or a domain IDNA rejects); left unchanged",
                user_id,
            )
        else:
            claims[normal].append((user_id, email))
    for normal, claimants in claims.items():
        keeper = next((uid for uid, email in claimants if email == normal), claimants[0][0])
        for user_id, email in claimants:
            if user_id == keeper:
                if email != normal:
                    bind.execute(sa.update(users).where(users.c.id == user_id).values(email=normal))
            else:
                log.warning(
                    "users.id=%d: the email address normalises to the one of users.id=%d, "
                    "which keeps it; users.id=%d is left unchanged: settle which account "
                    "the address belongs to",
                    user_id,
                    keeper,
                    user_id,
                )


def downgrade() -> None:
    # nothing to undo: the old spellings are not kept, and normal forms were valid before
    pass
