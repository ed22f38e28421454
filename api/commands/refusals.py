"""What the `yibao` command says when it refuses an operator's input: one Chinese line on stderr and exit 2.

An unknown region, an unknown migration revision, an id the domain does not know or a path that cannot be a file
are the operator's mistakes, not bugs: they get a message a person understands, never a traceback. ``main`` runs
every subcommand through ``run_command``; paths are checked by argparse (its own exit 2 and usage line) before
anything touches the database.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.settings import Settings

# The exit code of refused input, as argparse uses for bad arguments.
EXIT_REFUSED = 2


def refusal_message(exc: BaseException) -> str | None:
    """The message for an exception caused by the operator's input, or None when it is a bug (re-raised)."""
    from alembic.util.exc import CommandError

    from api.errors import unknown_region_message
    from domain.errors import DomainError
    from tenants import UnknownRegion

    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, UnknownRegion):
        return unknown_region_message(exc)
    if isinstance(exc, CommandError):
        # alembic's own words name the revision it could not find (or why it cannot go there).
        return f"无法迁移：{exc}（迁移版本见 migrations/versions/，最新为 head）。"
    return None


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run the parsed subcommand; a refusal becomes ``<command>: <message>`` on stderr and exit 2."""
    try:
        return int(args.func(args, settings) or 0)
    except Exception as exc:
        message = refusal_message(exc)
        if message is None:
            raise
        print(f"{args.command}: {message}", file=sys.stderr)
        return EXIT_REFUSED


def not_a_directory(text: str) -> Path:
    """An argparse type for a file path (read, or created with its folders): refused when it is a directory."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} 是目录，不是文件")
    return path


def output_file(text: str) -> Path:
    """An argparse type for a file to write: refused when it is a directory or its folder does not exist."""
    path = not_a_directory(text)
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"目录 {path.parent} 不存在，无法写入 {text}")
    return path
