"""The FAQ file: required entries, article sections, and validation errors."""

from __future__ import annotations

import json
import re
from dataclasses import astuple, fields
from pathlib import Path

import pytest
import yaml

from bot.faq.content import Content, ContentError, load_content
from bot.faq.safety import dose_mention
from bot.faq.texts import ReminderTexts, ReplyTexts, UiTexts, text_fields
from tests.conftest import ROOT, write_faq

REQUIRED_IDS = [
    "what-is-magnesium-glycinate",
    "bioavailability",
    "role-of-magnesium",
    "causes-of-muscle-spasms",
    "how-it-helps",
    "muscle-relaxation",
    "nerve-function",
    "stress-and-anxiety",
    "sleep",
    "dosage",
    "start-slowly",
    "take-with-food",
    "hydration",
    "side-effects",
    "safety",
    "kidney-problems",
    "medications",
    "deficiency",
    "consult-professional",
    "effectiveness",
]
ARTICLE = (ROOT / "content" / "source-article.txt").read_text(encoding="utf-8")
ARTICLE_HEADINGS = [
    "What is Magnesium Glycinate?",
    "How Does Magnesium Glycinate Help with Muscle Spasms?",
    "How to Use Magnesium Glycinate for Muscle Spasms",
    "Tips for Incorporating Magnesium Glycinate",
    "Potential Side Effects and Considerations",
    "Conclusion",
    "Introduction",
]


def test_every_required_entry_exists(content: Content) -> None:
    ids = [e.id for e in content.entries]
    for required in REQUIRED_IDS:
        assert required in ids


def test_every_entry_names_an_article_section(content: Content) -> None:
    for entry in content.entries:
        assert any(h in entry.section for h in ARTICLE_HEADINGS), entry.id


def test_entries_have_many_phrasings_and_valid_related(content: Content) -> None:
    for entry in content.entries:
        assert len(entry.phrasings) >= 12, entry.id
        assert entry.related, entry.id


def _shingles(text: str, n: int = 7) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_answers_are_not_pasted_from_the_article(content: Content) -> None:
    article = _shingles(ARTICLE)
    for entry in content.entries:
        copied = _shingles(entry.answer) & article
        assert not copied, f"{entry.id} copies the article: {copied}"
    for text in [t.text for t in content.tips] + list(astuple(content.reminders)):
        assert not _shingles(text) & article, f"copies the article: {text}"


def test_facts_from_the_article_are_in_the_answers(content: Content) -> None:
    answer = {e.id: e.answer.lower() for e in content.entries}
    assert "glycine" in answer["what-is-magnesium-glycinate"]
    assert "amino acid" in answer["what-is-magnesium-glycinate"]
    assert "200-400 mg" in answer["dosage"]
    for word in ("diarrhea", "nausea", "stomach cramps"):
        assert word in answer["side-effects"]
    for word in ("dehydration", "electrolytes", "magnesium"):
        assert word in answer["causes-of-muscle-spasms"]
    # Ask first: the answers say who, the caveat line on every reply says it again in short.
    assert "doctor" in answer["kidney-problems"]
    assert "pharmacist or doctor" in answer["medications"]
    assert "healthcare provider" in " ".join(content.caveats)


GOOD = (ROOT / "content" / "faq.yaml").read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    return write_faq(tmp_path, text)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _error(path: Path) -> ContentError:
    with pytest.raises(ContentError) as info:
        load_content(path)
    return info.value


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    text = GOOD.replace("version: 1", "version: [1", 1)
    err = _error(_write(tmp_path, text))
    assert str(tmp_path / "faq.yaml") in str(err)
    assert "invalid YAML" in str(err)
    assert err.line > 1


def test_missing_answer_names_line_and_field(tmp_path: Path) -> None:
    needle = "    answer: >-\n      Magnesium glycinate is a supplement"
    text = GOOD.replace(needle, "    answr: >-\n      Magnesium glycinate is a supplement", 1)
    err = _error(_write(tmp_path, text))
    assert err.field_name == "entries[0]"
    assert "missing required field 'answer'" in str(err)
    assert err.line == _line_of(GOOD, "  - id: what-is-magnesium-glycinate")


def test_empty_answer_is_rejected(tmp_path: Path) -> None:
    start = GOOD.index("    answer: >-\n      Yes. The article describes")
    end = GOOD.index("    keywords:", start)
    text = GOOD[:start] + '    answer: "   "\n' + GOOD[end:]
    err = _error(_write(tmp_path, text))
    assert err.field_name == "entries[1].answer"
    assert "must not be empty" in str(err)
    assert err.line == _line_of(text, '    answer: "   "')


def test_duplicate_id_is_rejected(tmp_path: Path) -> None:
    text = GOOD.replace("  - id: bioavailability", "  - id: what-is-magnesium-glycinate", 1)
    err = _error(_write(tmp_path, text))
    assert err.field_name == "entries[1].id"
    assert "duplicate id" in str(err)


def test_dangling_related_id_is_rejected(tmp_path: Path) -> None:
    text = GOOD.replace(
        "related: [bioavailability, role-of-magnesium, how-it-helps]",
        "related: [bioavailability, no-such-entry, how-it-helps]",
        1,
    )
    err = _error(_write(tmp_path, text))
    assert err.field_name == "entries[0].related[1]"
    assert "unknown entry id 'no-such-entry'" in str(err)
    assert err.line == _line_of(text, "no-such-entry")


def test_caveats_must_mention_kidneys_and_medications(tmp_path: Path) -> None:
    text = GOOD.replace("With kidney problems or on medications", "Be careful", 1)
    assert text != GOOD
    err = _error(_write(tmp_path, text))
    assert err.field_name == "caveats"


def test_the_caveat_line_must_stay_short(tmp_path: Path) -> None:
    text = GOOD.replace("ask a healthcare provider", "ask " + "a very kind " * 6 + "provider", 1)
    err = _error(_write(tmp_path, text))
    assert err.field_name == "caveats"
    assert "the limit is 160" in str(err)


def test_reminder_texts_use_exactly_their_placeholders(tmp_path: Path) -> None:
    needle = 'set: "Daily reminder set for {time} ({zone}). Next: {next}."'
    text = GOOD.replace(needle, 'set: "Daily reminder set for {time}. Next: {nxt}."', 1)
    err = _error(_write(tmp_path, text))
    assert err.field_name == "reminders.set"
    assert "{next}, {time}, {zone}" in str(err)
    assert err.line == _line_of(text, "Daily reminder set for {time}. Next")


def test_texts_are_typed_and_match_the_yaml_keys(content: Content) -> None:
    raw = yaml.safe_load(GOOD)
    sections = [("ui", UiTexts), ("texts", ReplyTexts), ("reminders", ReminderTexts)]
    for section, cls in sections:
        names = {name for name, _ in text_fields(cls)}
        keys = set(raw[section]) - {"fallback_topics", "zone_choices"}  # lists, not texts
        assert names == keys, section  # no text missing, none unused
    assert all(isinstance(v, str) and v for v in astuple(content.ui))
    assert content.ui.help_commands.count("\n") >= 5  # keeps its line breaks
    assert content.ui.help_commands.startswith("/start")
    assert "\n" not in content.ui.welcome  # folded to one line
    assert content.reminders.set.format(time="21:30", zone="UTC", next="x").startswith("Daily")
    assert {f.name for f in fields(ReplyTexts)} >= {"dose_above", "dose_below", "dose_within"}


@pytest.mark.parametrize(
    ("question", "expect"),
    [("is 800 mg ok", "above"), ("is 50 mg ok", "below"), ("is 300mg ok", "inside")],
)
def test_dose_notes_fill_in_the_amount(content: Content, question: str, expect: str) -> None:
    mention = dose_mention(question)
    assert mention is not None
    note = mention.note(content.texts)
    assert f"You mentioned {mention.label} mg" in note and expect in note
    assert "{" not in note


def test_a_missing_text_names_its_section_and_line(tmp_path: Path) -> None:
    needle = '  clarify: "I am not sure which question you mean. Did you mean:"\n'
    err = _error(_write(tmp_path, GOOD.replace(needle, "", 1)))
    assert err.field_name == "texts"
    assert "missing required field 'clarify'" in str(err)
    assert err.line == _line_of(GOOD, "\ntexts:") + 1
    assert str(err).startswith(f"{tmp_path / 'faq.yaml'}:{err.line}: texts: ")
    needle = '  next_page: "More topics"\n'
    err = _error(_write(tmp_path, GOOD.replace(needle, "", 1)))
    assert err.field_name == "ui" and "missing required field 'next_page'" in str(err)
    assert err.line == _line_of(GOOD, "\nui:") + 1


@pytest.mark.parametrize(
    ("needle", "replacement", "field", "problem"),
    [
        (
            "You mentioned {amount} mg. That is above",
            "You mentioned {amt} mg. That is above",
            "texts.dose_above",
            "must use exactly {amount}, found ['amt']",
        ),
        (
            "You mentioned {amount} mg. That is below",
            "You mentioned some mg. That is below",
            "texts.dose_below",
            "must use exactly {amount}, found none",
        ),
        (
            'helpful: "Helpful"',
            'helpful: "Helpful {name}"',
            "ui.helpful",
            "must use exactly no placeholders, found ['name']",
        ),
        (
            'helpful: "Helpful"',
            'helpful: "Helpful {"',
            "ui.helpful",
            "bad placeholder",
        ),
        (
            "/help - this message",
            "/help - this {message}",
            "ui.help_commands",
            "must use exactly no placeholders",
        ),
    ],
)
def test_wrong_placeholders_name_file_line_and_field(
    tmp_path: Path, needle: str, replacement: str, field: str, problem: str
) -> None:
    text = GOOD.replace(needle, replacement, 1)
    assert text != GOOD
    err = _error(_write(tmp_path, text))
    assert err.field_name == field
    assert problem in err.message
    assert err.line == _line_of(text, f"\n  {field.split('.')[1]}:") + 1
    assert str(err).startswith(f"{tmp_path / 'faq.yaml'}:{err.line}: {field}: ")


def test_reminder_caveat_and_tips_are_checked(tmp_path: Path) -> None:
    text = GOOD.replace("If you have kidney problems or take medications, check", "Check", 1)
    assert _error(_write(tmp_path, text)).field_name == "reminders.caveat"
    needle = '  - section: "Potential Side Effects and Considerations"\n    text: "Notice'
    text = GOOD.replace(needle, '  - text: "Notice', 1)
    err = _error(_write(tmp_path, text))
    assert err.field_name == "tips[3]" and "missing required field 'section'" in str(err)


def test_tips_name_an_article_section(content: Content) -> None:
    assert len(content.tips) >= 3
    for tip in content.tips:
        assert any(h in tip.section for h in ARTICLE_HEADINGS), tip.text


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    err = _error(tmp_path / "nope.yaml")
    assert "cannot read file" in str(err)


def test_faq_path_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, GOOD.replace("- what is magnesium glycinate\n", "- zzz unique\n", 1))
    monkeypatch.setenv("FAQ_PATH", str(path))
    content = load_content()
    assert content.path == str(path)
    assert "zzz unique" in content.entry("what-is-magnesium-glycinate").phrasings


def test_sections_must_name_a_heading_of_the_article(tmp_path: Path) -> None:
    text = GOOD.replace('section: "What is Magnesium Glycinate?"', 'section: "What Is It?"', 1)
    err = _error(_write(tmp_path, text))
    assert err.field_name == "entries[0].section"
    assert "'What Is It?' is not a heading" in str(err)
    assert err.line == _line_of(text, 'section: "What Is It?"')
    sub = GOOD.replace("(1. Muscle Relaxation)", "(7. Muscle Magic)", 1)
    assert "'7. Muscle Magic' does not appear" in str(_error(_write(tmp_path, sub)))


def test_a_missing_article_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(GOOD, encoding="utf-8")  # without the article beside it
    err = _error(path)
    assert err.field_name == "article_file"
    assert "cannot read" in str(err) and "source-article.txt" in str(err)


def test_check_reports_an_answer_pasted_from_the_article(tmp_path: Path) -> None:
    from bot.faq.lint import lint

    pasted = "Magnesium plays a crucial role in numerous bodily functions, including muscle"
    text = GOOD.replace(
        "    answer: >-\n      Magnesium glycinate is a supplement",
        f"    answer: >-\n      {pasted}. Magnesium glycinate is a supplement",
        1,
    )
    issues = [str(i) for i in lint(load_content(_write(tmp_path, text)))]
    assert any("entries[0].answer" in i and "copies the article" in i for i in issues), issues


def test_examples_are_read_and_a_repeated_one_is_a_located_error(tmp_path: Path) -> None:
    content = load_content(_write(tmp_path, GOOD))
    assert all(len(e.examples) >= 20 for e in content.entries)
    first = json.dumps(content.entries[0].examples[0], ensure_ascii=False)
    doubled = GOOD.replace("    examples:\n", f"    examples:\n      - {first}\n", 1)
    err = _error(_write(tmp_path, doubled))
    assert err.field_name.startswith("entries[0].examples[")
    assert "duplicate item" in str(err)
