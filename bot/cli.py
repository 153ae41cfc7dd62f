"""Command line: `python -m bot run|ask|chat|check|eval|unanswered|backup`.

A thin adapter over the engine: it parses arguments, turns content and
settings errors into one clear line and a non-zero exit, and prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings, SettingsError, load_settings
from bot.faq.content import ContentError, load_content
from bot.faq.engine import Engine
from bot.faq.reply import Reply
from bot.faq.semantic import ModelError
from bot.storage.db import DatabaseError

NO_TOKEN_MESSAGE = """\
No TELEGRAM_BOT_TOKEN is set, so the bot cannot connect to Telegram.
To get a token: open Telegram, talk to @BotFather, send /newbot and follow
the steps; then put TELEGRAM_BOT_TOKEN=<token> in .env (see .env.example).
Starting the offline console chat instead, over the same answers.
"""


def reply_json(reply: Reply) -> dict[str, Any]:
    """The machine-readable form of a reply (`ask --json`)."""
    return {
        "kind": reply.kind.value,
        "id": reply.entry_id,
        "score": reply.score,
        "alternatives": list(reply.alternatives),
        "related": list(reply.related_ids),
        "triage": reply.triage,
        "topic": reply.topic,
        "text": reply.text,
    }


def _engine(args: argparse.Namespace, settings: Settings) -> Engine:
    """The engine over the chosen content; with SEMANTIC on, the embedding model too."""
    content = load_content(args.faq or settings.faq_path)
    if not settings.semantic:
        return Engine(content)
    from bot.faq.semantic import MiniLM

    vectors = Path(settings.vectors_path) if settings.vectors_path else None
    return Engine(content, MiniLM(), vectors=vectors)


def cmd_ask(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    engine = _engine(args, settings)
    streaming = args.question == "-"
    questions = (line.rstrip("\n") for line in sys.stdin) if streaming else [args.question]
    gap = "\n\n" if streaming else "\n"  # blank line between replies of a stream
    for question in questions:
        reply = engine.reply(question)
        if args.json:
            out.write(json.dumps(reply_json(reply), ensure_ascii=False) + "\n")
        else:
            out.write(reply.text + gap)
        out.flush()
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from bot.console import chat

    return chat(_engine(args, settings), sys.stdin, out)


def cmd_check(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from bot.faq.lint import lint

    content = load_content(args.faq or settings.faq_path)
    issues = lint(content)
    for issue in issues:
        out.write(f"{issue}\n")
    if issues:
        out.write(f"{len(issues)} problem(s) in {content.path}\n")
        return 1
    phrasings = sum(len(e.phrasings) for e in content.entries)
    out.write(f"{content.path}: OK ({len(content.entries)} entries, {phrasings} phrasings)\n")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from bot.faq.evaluate import evaluate

    if args.triage:
        from bot.faq.triage_eval import evaluate_triage

        engine = _engine(args, settings)
        for part in evaluate_triage(engine.assess, Path(args.file)):
            out.write(part.report(show=True) + "\n")
        return 0
    result = evaluate(_engine(args, settings), Path(args.file))
    if result.in_scope + result.out_of_scope == 0:
        raise ContentError(
            args.file,
            1,
            "<document>",
            "no labelled questions (in_scope and out_of_scope are both empty)",
        )
    out.write(result.report() + "\n")
    return 0


def cmd_embed(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Write the content's vectors beside it, to commit with it: a fresh start then
    reads them instead of running the model over every text (seconds on one core)."""
    from bot.faq.hybrid import SemanticIndex, shipped_vectors
    from bot.faq.semantic import MiniLM

    content = load_content(args.faq or settings.faq_path)
    target = shipped_vectors(content.path)
    index = SemanticIndex(content, MiniLM(), saved=target)
    out.write(f"{target}: vectors of {len(index)} texts\n")
    return 0


def cmd_unanswered(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from datetime import UTC, datetime

    from bot.storage.db import open_database, schema_version
    from bot.storage.stats import StatsStore, format_unanswered, format_unsure

    path = Path(settings.database_path)
    if not path.exists():
        out.write(f"No database at {path} yet: nobody has asked anything.\n")
        return 0
    conn = open_database(path, read_only=True)  # a report: never creates, migrates or writes
    try:
        if schema_version(conn) == 0:
            out.write(f"{path} holds no questions yet: nobody has asked anything.\n")
            return 0
        store = StatsStore(conn, clock=lambda: datetime.now(UTC))
        out.write("Most frequent unanswered questions:\n")
        out.write("\n".join(format_unanswered(store.top_unanswered(args.limit))) + "\n")
        if schema_version(conn) >= 4:
            out.write("Answered unsurely or with a choice:\n")
            out.write("\n".join(format_unsure(store.top_unsure(args.limit))) + "\n")
    finally:
        conn.close()
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """A consistent copy of the live database (SQLite's online backup API), owner-only."""
    from bot.storage.db import BackupError, backup_database

    try:
        size = backup_database(settings.database_path, args.path, force=args.force)
    except BackupError as exc:
        sys.stderr.write(f"error: backup: {exc}\n")
        return 2
    out.write(f"{args.path}: {size} bytes\n")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    engine = _engine(args, settings)  # bad content refuses to start, before anything else
    if not settings.token:
        sys.stderr.write(NO_TOKEN_MESSAGE + "\n")
        from bot.console import chat

        return chat(engine, sys.stdin, out)
    from bot.telegram.app import run_bot

    return run_bot(settings, engine)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="magbot", description="FAQ bot about magnesium glycinate for muscle spasms."
    )
    faq_help = "FAQ YAML file (default: FAQ_PATH or content/faq.yaml)"
    parser.add_argument("--faq", help=faq_help)
    # --faq after the subcommand too; SUPPRESS keeps a value given before it.
    faq = argparse.ArgumentParser(add_help=False)
    faq.add_argument("--faq", default=argparse.SUPPRESS, help=faq_help)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "run", parents=[faq], help="run the Telegram bot (console chat when no token is set)"
    )
    ask = sub.add_parser(
        "ask", parents=[faq], help="answer one question ('-' reads one per line from stdin)"
    )
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    sub.add_parser("chat", parents=[faq], help="chat with the bot in the terminal")
    sub.add_parser("check", parents=[faq], help="validate and lint the FAQ content")
    sub.add_parser(
        "embed", parents=[faq], help="write the content's vectors beside it (commit them with it)"
    )
    ev = sub.add_parser("eval", parents=[faq], help="accuracy on a labelled question file")
    ev.add_argument("file")
    ev.add_argument(
        "--triage", action="store_true", help="FILE holds triage messages (tests/data/triage.yaml)"
    )
    un = sub.add_parser("unanswered", help="most frequent questions the bot could not answer")
    un.add_argument("--limit", type=int, default=20)
    bk = sub.add_parser("backup", help="copy the live database to PATH (safe while the bot runs)")
    bk.add_argument("path", help="the backup file to write (owner-only)")
    bk.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    return parser


COMMANDS = {
    "ask": cmd_ask,
    "chat": cmd_chat,
    "check": cmd_check,
    "embed": cmd_embed,
    "eval": cmd_eval,
    "run": cmd_run,
    "unanswered": cmd_unanswered,
    "backup": cmd_backup,
}


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    stream = out or sys.stdout
    try:
        settings = load_settings()
        return COMMANDS[args.command](args, settings, stream)
    except (ContentError, SettingsError, ModelError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except DatabaseError as exc:
        sys.stderr.write(f"error: DATABASE_PATH: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
