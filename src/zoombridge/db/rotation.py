"""Key rotation: rewrite every encrypted value that still uses an old key.

Procedure: set the new key as ZOOMBRIDGE_SECRET_KEY and the previous one in
ZOOMBRIDGE_SECRET_KEY_OLD, run `zoombridge db rotate-secrets`, then drop the old key.
"""

from __future__ import annotations

from sqlalchemy import Text, and_, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.db.encryption import EncryptedString, secret_box_for
from zoombridge.db.registry import load_metadata


async def reencrypt_secrets(session: AsyncSession) -> int:
    """Re-encrypt old-key values with the current key; returns how many were rewritten.

    Runs in the caller's transaction (flushes nothing else, never commits).
    """
    box = secret_box_for((await session.connection()).dialect)
    rewritten = 0
    for table in load_metadata().sorted_tables:
        secret_columns = [c for c in table.columns if isinstance(c.type, EncryptedString)]
        if not secret_columns:
            continue
        key_columns = list(table.primary_key.columns)
        # type_coerce to Text reads and writes the stored token itself, not the decrypted value.
        raw = [type_coerce(c, Text).label(c.name) for c in secret_columns]
        rows = (await session.execute(select(*key_columns, *raw))).all()
        for row in rows:
            values = {
                column.name: type_coerce(
                    box.rotate(token, what=f"{table.name}.{column.name}"), Text
                )
                for column in secret_columns
                if (token := row._mapping[column.name]) is not None and box.needs_rotation(token)
            }
            if not values:
                continue
            match = and_(*(c == row._mapping[c.name] for c in key_columns))
            await session.execute(update(table).where(match).values(values))
            rewritten += len(values)
    return rewritten
