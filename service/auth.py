"""API tokens: who is asking, and whose jobs they may see.

Each token belongs to one institution (a diagnosis agency, or the bureau). A token sees
the jobs its institution submitted; an admin token (the bureau's) sees every job.

Redis keeps only a token's SHA-256, never the token. The token is 32 random bytes, far
beyond guessing, so a slow hash (scrypt, PBKDF2) would add only latency to every
request; what it guards against, a leaked Redis, is met by the plain digest already.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from service.jobs import JobStore, now

TOKEN_PREFIX = "zgsz_"
ID_LENGTH = 12


@dataclass(frozen=True)
class Principal:
    institution: str
    admin: bool = False

    def may_see(self, owner: str) -> bool:
        return self.admin or owner == self.institution

    @property
    def scope(self) -> str:
        """A short tag of the institution, to keep one's idempotency keys from another's."""
        return digest(self.institution)[:16]


# Who asks when ZGSZ_AUTH is off: anyone, seeing everything.
ANYONE = Principal(institution="", admin=True)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(store: JobStore, institution: str, *, admin: bool = False) -> str:
    """A new token for `institution`; it is shown once and never stored."""
    institution = institution.strip()
    if not institution:
        raise ValueError("机构名称（--institution）不能为空")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    store.save_token(digest(token), {"institution": institution,
                                     "admin": "1" if admin else "0",
                                     "created_at": now()})
    return token


def authenticate(store: JobStore, token: str) -> Principal | None:
    record = store.token(digest(token)) if token else {}
    if not record.get("institution"):
        return None
    return Principal(record["institution"], admin=record.get("admin") == "1")


def list_tokens(store: JobStore) -> list[dict[str, str]]:
    """Every token by its id (the first characters of its digest), never the token."""
    return sorted(({"id": key[:ID_LENGTH], **fields}
                   for key, fields in store.tokens().items()),
                  key=lambda t: t.get("created_at", ""))


def revoke_token(store: JobStore, token_id: str) -> int:
    """Delete the tokens whose id starts with `token_id`; how many were deleted."""
    if len(token_id) < 6:
        raise ValueError("令牌编号（TOKEN_ID）至少需要 6 个字符，以免误删")
    return sum(store.delete_token(key) for key in store.tokens()
               if key.startswith(token_id))
