"""Content lint: find phrasings the matcher would send somewhere else.

Validation proves the file is well-formed; lint proves it works. A phrasing
that scores higher for another entry, or an entry none of its own phrasings
reach, means a person asking that way gets the wrong answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.faq.content import Content
from bot.faq.engine import Engine
from bot.faq.reply import Kind
from bot.faq.yamlsource import load_located

# Both together are the caveat line's message; an answer saying them again says it twice.
CAVEAT_TERMS = ("kidney", "medication")


@dataclass(frozen=True)
class LintIssue:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def lint(content: Content, engine: Engine | None = None) -> list[LintIssue]:
    """Phrasings that miss their entry, and answers pasted from the article; empty when clean."""
    engine = engine or Engine(content)
    doc = load_located(Path(content.path))
    issues: list[LintIssue] = []
    if content.source is not None:
        for i, entry in enumerate(content.entries):
            for run in content.source.pasted(entry.answer):
                where = f"entries[{i}].answer"
                issues.append(
                    LintIssue(
                        content.path,
                        doc.line(where),
                        f"{where} of '{entry.id}' copies the article word for word: '{run}'",
                    )
                )
    for i, entry in enumerate(content.entries):
        if all(term in entry.answer.lower() for term in CAVEAT_TERMS):
            where = f"entries[{i}].answer"
            issues.append(
                LintIssue(
                    content.path,
                    doc.line(where),
                    f"{where} of '{entry.id}' restates the caveat line every reply ends with",
                )
            )
    for i, entry in enumerate(content.entries):
        reached = False
        for j, phrasing in enumerate((entry.question, *entry.phrasings)):
            where = f"entries[{i}].question" if j == 0 else f"entries[{i}].phrasings[{j - 1}]"
            reply = engine.reply(phrasing)
            if reply.kind is Kind.ANSWER and reply.entry_id == entry.id:
                reached = True
                continue
            got = reply.entry_id or reply.kind.value
            if reply.kind is Kind.CLARIFY:
                got = "clarify between " + ", ".join(reply.alternatives)
            issues.append(
                LintIssue(
                    content.path,
                    doc.line(where),
                    f"{where} '{phrasing}' of '{entry.id}' gets {got}",
                )
            )
        if not reached:
            issues.append(
                LintIssue(
                    content.path,
                    entry.line,
                    f"entry '{entry.id}' is reached by none of its phrasings",
                )
            )
    return issues
