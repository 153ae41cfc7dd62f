"""The FAQ content model and its validation.

Content is data: everything the bot says comes from one YAML file. Loading
checks every field so that a typo in the file stops the bot at start-up with
a `file:line: field: problem` message instead of a wrong answer later.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bot.faq.article import Article, load_article
from bot.faq.forms import QuestionForms, parse_forms
from bot.faq.language import Languages, load_languages
from bot.faq.texts import ReminderTexts, ReplyTexts, UiTexts, text_fields
from bot.faq.triage_content import TriageContent, load_triage
from bot.faq.uncovered import UncoveredTopic, parse_uncovered
from bot.faq.yamlsource import ContentError, Located, Reader, load_located

DEFAULT_FAQ_PATH = Path(__file__).resolve().parents[2] / "content" / "faq.yaml"
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Longest answer text we accept, so that answer + notes + caveats stay far
# below Telegram's 4096-character message limit.
MAX_ANSWER_CHARS = 1500
MAX_CAVEAT_CHARS = 160  # the caveat line, on every reply
MAX_FALLBACK_TOPICS = 3  # buttons under a miss; more is a menu nobody reads

__all__ = ["Content", "ContentError", "Entry", "SmallTalk", "load_content"]


@dataclass(frozen=True)
class Entry:
    """One FAQ question with its answer and the ways people ask it."""

    id: str
    section: str
    question: str
    answer: str
    phrasings: tuple[str, ...]
    keywords: tuple[str, ...]
    related: tuple[str, ...]
    safety_terms: tuple[str, ...]
    line: int
    # More ways people ask it, for the semantic index only: written by outsiders from
    # the article, never linted against the lexical matcher.
    examples: tuple[str, ...] = ()
    # The way of asking this entry answers (matching.question_forms), when a neighbour
    # shares its words and differs by that ("how does it help" / "does it help").
    form: str | None = None


@dataclass(frozen=True)
class SmallTalk:
    """A greeting/thanks/help reply and the messages that trigger it."""

    id: str
    triggers: tuple[str, ...]
    reply: str


@dataclass(frozen=True)
class Tip:
    """A short tip shown with a reminder, and the article section it comes from."""

    text: str
    section: str


@dataclass(frozen=True)
class Content:
    """Validated FAQ content; the only source of text the bot sends."""

    path: str
    article: str
    source: Article | None
    triage: TriageContent
    caveats: tuple[str, ...]
    texts: ReplyTexts
    fallback_topics: tuple[str, ...]
    smalltalk: tuple[SmallTalk, ...]
    synonyms: dict[str, tuple[str, ...]]
    subject_terms: tuple[str, ...]
    other_substances: tuple[str, ...]
    interaction_cues: tuple[str, ...]
    subject_pronouns: tuple[str, ...]
    stopwords: tuple[str, ...]
    smalltalk_filler: tuple[str, ...]
    dose_entry: str
    interaction_entry: str
    # Entries a careful reply (maybe an emergency) never answers with: they reassure.
    withheld_when_doubtful: frozenset[str]
    entries: tuple[Entry, ...]
    ui: UiTexts
    commands: dict[str, str]
    popular: tuple[str, ...]
    reminders: ReminderTexts
    tips: tuple[Tip, ...]
    languages: Languages | None = None  # "English only" replies (languages_file), if any
    not_covered: tuple[UncoveredTopic, ...] = ()
    unrelated_examples: tuple[str, ...] = ()  # for the semantic layer: clearly not our subject
    forms: QuestionForms = field(default_factory=QuestionForms)
    comparison_cues: tuple[str, ...] = ()  # "better than", "instead of": weighing two things

    def entry(self, entry_id: str) -> Entry:
        """Entry by id; KeyError if unknown."""
        return self._by_id()[entry_id]

    def has_entry(self, entry_id: str) -> bool:
        return entry_id in self._by_id()

    def _by_id(self) -> dict[str, Entry]:
        cache: dict[str, Entry] | None = self.__dict__.get("_index")
        if cache is None:
            cache = {e.id: e for e in self.entries}
            object.__setattr__(self, "_index", cache)
        return cache


COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_ID_LENGTH = 48  # keeps every callback_data within Telegram's 64 bytes


class _Reader(Reader):
    """The YAML reader plus the content's own rule for ids."""

    def identifier(self, value: Any, where: str) -> str:
        ident = self.text(value, where)
        if not ID_RE.match(ident):
            raise self.doc.error(where, f"'{ident}' must be lowercase words joined by '-'")
        if len(ident) > MAX_ID_LENGTH:
            raise self.doc.error(where, f"'{ident}' is longer than {MAX_ID_LENGTH} characters")
        return ident


def _entries(r: _Reader, raw: Any) -> tuple[Entry, ...]:
    if not isinstance(raw, list) or not raw:
        raise r.doc.error("entries", "must be a non-empty list of entries")
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(raw):
        at = f"entries[{i}]"
        m = r.mapping(item, at)
        ident = r.identifier(r.field(m, "id", at), f"{at}.id")
        if ident in seen:
            raise r.doc.error(f"{at}.id", f"duplicate id '{ident}' (first at {seen[ident]})")
        seen[ident] = at
        entries.append(
            Entry(
                id=ident,
                section=r.text(r.field(m, "section", at), f"{at}.section"),
                question=r.text(r.field(m, "question", at), f"{at}.question"),
                answer=r.text(r.field(m, "answer", at), f"{at}.answer", MAX_ANSWER_CHARS),
                phrasings=r.texts(r.field(m, "phrasings", at), f"{at}.phrasings"),
                keywords=r.texts(m.get("keywords"), f"{at}.keywords", allow_empty=True),
                related=tuple(
                    r.identifier(v, f"{at}.related[{j}]")
                    for j, v in enumerate(
                        r.texts(m.get("related"), f"{at}.related", allow_empty=True)
                    )
                ),
                safety_terms=r.texts(m.get("safety_terms"), f"{at}.safety_terms", allow_empty=True),
                line=r.doc.line(at),
                examples=r.texts(m.get("examples"), f"{at}.examples", allow_empty=True),
                form=r.text(m["form"], f"{at}.form") if m.get("form") is not None else None,
            )
        )
    for i, e in enumerate(entries):
        for j, rel in enumerate(e.related):
            if rel not in seen:
                raise r.doc.error(f"entries[{i}].related[{j}]", f"unknown entry id '{rel}'")
            if rel == e.id:
                raise r.doc.error(f"entries[{i}].related[{j}]", "an entry cannot relate to itself")
    return tuple(entries)


def _synonyms(r: _Reader, raw: Any) -> dict[str, tuple[str, ...]]:
    table = r.mapping(raw, "synonyms")
    out: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for canon, variants in table.items():
        where = f"synonyms.{canon}"
        words = r.texts(variants, where)
        for j, word in enumerate(words):
            key = word.lower()
            if key in owner and owner[key] != canon:
                raise r.doc.error(
                    f"{where}[{j}]", f"'{word}' is already a synonym of '{owner[key]}'"
                )
            owner[key] = canon
        out[str(canon)] = words
    return out


def _smalltalk(r: _Reader, raw: Any) -> tuple[SmallTalk, ...]:
    return tuple(
        SmallTalk(
            id=r.identifier(r.field(m, "id", at), f"{at}.id"),
            triggers=r.texts(r.field(m, "triggers", at), f"{at}.triggers"),
            reply=r.text(r.field(m, "reply", at), f"{at}.reply"),
        )
        for at, m in r.records(raw, "smalltalk")
    )


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


_Texts = TypeVar("_Texts", UiTexts, ReplyTexts, ReminderTexts)


def _texts(r: _Reader, raw: Any, section: str, cls: type[_Texts]) -> _Texts:
    """One texts class from its YAML section: every field present, with its placeholders."""
    table = r.mapping(raw, section)
    values: dict[str, str] = {}
    for name, spec in text_fields(cls):
        where = f"{section}.{name}"
        value = r.field(table, name, section)
        text = r.text(value, where, spec.limit) if spec.limit else r.text(value, where)
        if spec.keep_lines:
            text = str(value).strip()
        try:
            used = _placeholders(text)
        except ValueError as exc:
            raise r.doc.error(where, f"bad placeholder: {exc}") from None
        if used != spec.placeholders:
            want = ", ".join(f"{{{p}}}" for p in sorted(spec.placeholders)) or "no placeholders"
            raise r.doc.error(where, f"must use exactly {want}, found {sorted(used) or 'none'}")
        for must in spec.must_mention:
            if must not in text.lower():
                raise r.doc.error(where, f"must mention '{must}'")
        values[name] = text
    return cls(**values)


def _tips(r: _Reader, raw: Any) -> tuple[Tip, ...]:
    return tuple(
        Tip(
            text=r.text(r.field(m, "text", at), f"{at}.text"),
            section=r.text(r.field(m, "section", at), f"{at}.section"),
        )
        for at, m in r.records(raw, "tips")
    )


def _source(r: _Reader, raw: Any) -> Article | None:
    """The article named by `article_file` (relative to the FAQ file), or None."""
    if raw is None:
        return None
    name = r.text(raw, "article_file")
    path = Path(r.doc.path).parent / name
    try:
        return load_article(path)
    except OSError as exc:
        raise r.doc.error("article_file", f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise r.doc.error("article_file", f"{path} is not valid UTF-8") from None


def _triage(r: _Reader, raw: Any) -> TriageContent:
    """The emergency triage file named by `triage_file` (relative to the FAQ file)."""
    path = Path(r.doc.path).parent / r.text(raw, "triage_file")
    if not path.is_file():
        raise r.doc.error("triage_file", f"cannot read {path}: no such file")
    return load_triage(path)


def _languages(r: _Reader, raw: Any) -> Languages | None:
    """The replies to messages not in English, from `languages_file` (optional)."""
    if raw is None:
        return None
    path = Path(r.doc.path).parent / r.text(raw, "languages_file")
    if not path.is_file():
        raise r.doc.error("languages_file", f"cannot read {path}: no such file")
    return load_languages(path)


def _check_section(r: _Reader, source: Article, section: str, where: str) -> None:
    problem = source.section_problem(section)
    if problem:
        raise r.doc.error(where, problem)


def parse_content(doc: Located) -> Content:
    """Validate a located YAML document and build Content, or raise ContentError."""
    r = _Reader(doc)
    top = r.mapping(doc.data, "")
    texts_raw = r.mapping(r.field(top, "texts", ""), "texts")
    texts = _texts(r, texts_raw, "texts", ReplyTexts)
    caveats = r.texts(r.field(top, "caveats", ""), "caveats")
    joined = " ".join(caveats)
    for must in ("kidney problems", "medications", "not medical advice"):
        if must not in joined.lower():
            raise doc.error("caveats", f"must mention '{must}'")
    if len(joined) > MAX_CAVEAT_CHARS:
        # It rides on every reply: a long block is one people learn to skip.
        raise doc.error("caveats", f"is {len(joined)} characters; the limit is {MAX_CAVEAT_CHARS}")
    matching = r.mapping(r.field(top, "matching", ""), "matching")

    def terms(key: str) -> tuple[str, ...]:
        return r.texts(r.field(matching, key, "matching"), f"matching.{key}")

    entries = _entries(r, r.field(top, "entries", ""))
    ids = {e.id for e in entries}
    topics = r.texts(r.field(texts_raw, "fallback_topics", "texts"), "texts.fallback_topics")
    if len(topics) > MAX_FALLBACK_TOPICS:
        raise doc.error("texts.fallback_topics", f"at most {MAX_FALLBACK_TOPICS} topics")
    for i, t in enumerate(topics):
        if t not in ids:
            raise doc.error(f"texts.fallback_topics[{i}]", f"unknown entry id '{t}'")
    ui = _texts(r, r.field(top, "ui", ""), "ui", UiTexts)
    commands_raw = r.mapping(r.field(top, "commands", ""), "commands")
    commands: dict[str, str] = {}
    for name, description in commands_raw.items():
        if not COMMAND_RE.match(name):
            raise doc.error(f"commands.{name}", "command names are 1-32 of a-z, 0-9 and _")
        commands[name] = r.text(description, f"commands.{name}", 256)
    popular = r.texts(r.field(top, "popular", ""), "popular")
    for i, p in enumerate(popular):
        if p not in ids:
            raise doc.error(f"popular[{i}]", f"unknown entry id '{p}'")
    forms = parse_forms(r, matching.get("question_forms"), "matching.question_forms")
    for i, e in enumerate(entries):
        if e.form is not None and e.form not in forms.names:
            known = ", ".join(sorted(forms.names)) or "none defined"
            raise doc.error(f"entries[{i}].form", f"unknown form '{e.form}' ({known})")
    special: dict[str, str] = {}
    for key in ("dose_entry", "interaction_entry"):
        special[key] = r.identifier(r.field(matching, key, "matching"), f"matching.{key}")
        if special[key] not in ids:
            raise doc.error(f"matching.{key}", f"unknown entry id '{special[key]}'")
    withheld = r.texts(matching.get("withheld_when_doubtful"), "matching.withheld_when_doubtful")
    for i, w in enumerate(withheld):
        if w not in ids:
            raise doc.error(f"matching.withheld_when_doubtful[{i}]", f"unknown entry id '{w}'")
    source = _source(r, top.get("article_file"))
    if source is not None:
        for i, e in enumerate(entries):
            _check_section(r, source, e.section, f"entries[{i}].section")
    tips = _tips(r, r.field(top, "tips", ""))
    if source is not None:
        for i, tip in enumerate(tips):
            _check_section(r, source, tip.section, f"tips[{i}].section")
    return Content(
        path=doc.path,
        article=r.text(r.field(top, "article", ""), "article"),
        source=source,
        triage=_triage(r, r.field(top, "triage_file", "")),
        caveats=caveats,
        texts=texts,
        fallback_topics=topics,
        smalltalk=_smalltalk(r, r.field(top, "smalltalk", "")),
        synonyms=_synonyms(r, r.field(top, "synonyms", "")),
        subject_terms=terms("subject_terms"),
        other_substances=terms("other_substances"),
        interaction_cues=terms("interaction_cues"),
        comparison_cues=r.texts(
            matching.get("comparison_cues"), "matching.comparison_cues", allow_empty=True
        ),
        subject_pronouns=terms("subject_pronouns"),
        stopwords=terms("stopwords"),
        smalltalk_filler=terms("smalltalk_filler"),
        dose_entry=special["dose_entry"],
        interaction_entry=special["interaction_entry"],
        withheld_when_doubtful=frozenset(withheld),
        entries=entries,
        ui=ui,
        commands=commands,
        popular=popular,
        reminders=_texts(r, r.field(top, "reminders", ""), "reminders", ReminderTexts),
        tips=tips,
        languages=_languages(r, top.get("languages_file")),
        not_covered=parse_uncovered(r, r.field(top, "not_covered", ""), r.identifier),
        unrelated_examples=r.texts(
            matching.get("unrelated_examples"), "matching.unrelated_examples", allow_empty=True
        ),
        forms=forms,
    )


def resolve_faq_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--faq` beats `FAQ_PATH` beats the bundled content/faq.yaml."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("FAQ_PATH")
    return Path(env) if env else DEFAULT_FAQ_PATH


def load_content(path: str | os.PathLike[str] | None = None) -> Content:
    """Load and validate FAQ content; raises ContentError naming file:line: field."""
    return parse_content(load_located(resolve_faq_path(path)))
