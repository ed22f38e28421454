"""`yibao verify` and `yibao integrity sign-head`: check the archive against its log, sign the log's head.

``yibao verify [--subject ID]`` recomputes every chain and leaf from the rows and compares them with the stored
log and the newest signed head in the exported file; it exits 1 and names the first broken link when anything
was tampered with. ``yibao integrity sign-head [--every SECONDS]`` appends pending entries to the log and signs
its head with the bureau's key, now or at intervals. Both run as the database owner (the admin URL).

Files (all under ``YIBAO_DATA_DIR``, default ``.data/``, unless configured one by one):
``YIBAO_SIGNED_HEADS`` the JSON Lines export of signed heads (``integrity/signed-heads.jsonl``),
``YIBAO_INTEGRITY_KEY`` the bureau's Ed25519 private key (``integrity/bureau-ed25519.pem``, created on first
signing), ``YIBAO_INTEGRITY_PUBLIC_KEY`` the public key verify trusts (default: next to the private key).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

from api.commands.refusals import not_a_directory
from api.settings import PROJECT_DIR, Settings

MAX_SHOWN = 20


def data_dir() -> Path:
    return Path(os.environ.get("YIBAO_DATA_DIR", str(PROJECT_DIR / ".data")))


def heads_path() -> Path:
    return Path(os.environ.get("YIBAO_SIGNED_HEADS", str(data_dir() / "integrity" / "signed-heads.jsonl")))


def key_path() -> Path:
    return Path(os.environ.get("YIBAO_INTEGRITY_KEY", str(data_dir() / "integrity" / "bureau-ed25519.pem")))


def public_key_path() -> Path:
    return Path(os.environ.get("YIBAO_INTEGRITY_PUBLIC_KEY", str(key_path().with_suffix(".pub.pem"))))


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``verify`` and ``integrity sign-head`` to the ``yibao`` parser."""
    p = sub.add_parser("verify", help="check the archive (or one subject) against its hash chains and signed log")
    p.add_argument("--subject", metavar="SUBJECT_ID", help="check one subject only")
    p.add_argument("--heads", type=not_a_directory, default=None, help="the exported signed heads (JSON Lines)")
    p.add_argument("--public-key", type=not_a_directory, default=None, help="the bureau's Ed25519 public key (PEM)")
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("integrity", help="the integrity log: sign its head")
    jobs = p.add_subparsers(dest="job", required=True)
    s = jobs.add_parser("sign-head", help="append pending entries to the log and sign its head")
    s.add_argument("--every", type=float, default=None, metavar="SECONDS", help="keep signing at this interval")
    s.add_argument("--heads", type=not_a_directory, default=None,
                   help="the JSON Lines file signed heads are appended to")
    s.add_argument("--key", type=not_a_directory, default=None, help="the bureau's Ed25519 private key (PEM)")
    s.set_defaults(func=cmd_sign_head)


async def _connect(settings: Settings):  # type: ignore[no-untyped-def]
    import asyncpg

    from api.cli import _database_url
    from api.postgres import migrate
    from domain.db import init_connection

    url = await _database_url(settings)
    await migrate(url)
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    return conn


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when everything checks, 1 on tampering, 2 on bad arguments (such as a subject that does not exist)."""
    from domain.integrity_signing import HeadVerifier, read_heads
    from domain.integrity_verify import verify

    try:
        subject = uuid.UUID(args.subject) if args.subject else None
    except ValueError:
        print(f"verify: {args.subject!r} 不是主体编号（UUID）", file=sys.stderr)
        return 2
    pub = args.public_key or public_key_path()
    verifier = HeadVerifier.from_pem(pub.read_bytes()) if pub.exists() else None
    if verifier is None:
        print(f"verify: 没有公钥 {pub}，签名树头的签名不予核对", file=sys.stderr)
    signed = read_heads(args.heads or heads_path())

    async def run() -> int:
        conn = await _connect(settings)
        try:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                if subject is not None and not await _known_subject(conn, subject):
                    print(f"verify: 没有编号为 {subject} 的信用主体，无可核验", file=sys.stderr)
                    return 2
                report = await verify(sql=conn, signed=signed, verifier=verifier, subject_id=subject)
        finally:
            await conn.close()
        scope = f"subject {report.subject_id}" if report.subject_id else "the whole archive"
        print(f"verify: {scope}: {report.rows:,} rows, {report.entries:,} chain entries, {report.leaves:,} leaves"
              f" ({report.pending:,} not yet in the log)"
              + (f", signed head of size {report.signed_head.tree_size}" if report.signed_head else ""))
        for note in report.notes:
            print(f"  note: {note}")
        if report.ok:
            print("verify: OK, nothing was changed, hidden or deleted")
            return 0
        print(f"verify: TAMPERED: {len(report.problems)} broken link(s) in subject(s) "
              f"{', '.join(sorted(report.subjects())) or '-'}")
        print(f"  first broken link: {report.first}")
        for problem in report.problems[1:MAX_SHOWN]:
            print(f"  {problem}")
        return 1

    return asyncio.run(run())


async def _known_subject(conn, subject: uuid.UUID) -> bool:  # type: ignore[no-untyped-def]
    """Whether the archive has the subject or ever logged a write of it (a deleted subject row is tampering for
    ``verify`` to report, not an unknown id)."""
    return bool(await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM subject WHERE id = $1)
               OR EXISTS (SELECT 1 FROM integrity_chain WHERE subject_id = $1)
               OR EXISTS (SELECT 1 FROM integrity_entry WHERE subject_id = $1)""", subject))


def cmd_sign_head(args: argparse.Namespace, settings: Settings) -> int:
    """Sign once, or every ``--every`` seconds until interrupted."""
    from domain.integrity import LogInconsistent, export_head, sign_head
    from domain.integrity_signing import HeadSigner, read_heads

    signer = HeadSigner.load(args.key or key_path(), create=True)
    heads = args.heads or heads_path()

    async def once() -> None:
        conn = await _connect(settings)
        try:
            exported = read_heads(heads)
            previous = max(exported, key=lambda h: h.tree_size) if exported else None
            async with conn.transaction():
                head, new = await sign_head(sql=conn, signer=signer, previous=previous)
        finally:
            await conn.close()
        if new:
            export_head(heads_file=heads, head=head)
        print(f"sign-head: tree size {head.tree_size}, root {head.root_hash.hex()}, key {head.key_id} -> {heads}")

    try:
        asyncio.run(once())
        while args.every:
            time.sleep(args.every)
            asyncio.run(once())
    except LogInconsistent as exc:
        print(f"sign-head: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
