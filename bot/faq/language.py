"""Messages not in English: tell the person, in their language, that the bot reads English only.

The FAQ, triage and the caveats are English; a question in Spanish would get
a puzzling "Sorry, I could not find that". A message is called foreign only
when the signals agree, because telling an English speaker "I only understand
English" in Russian is worse than a fallback:

1. Script. Words in a script no English uses (Cyrillic, Greek, ...) are never
   English: when most words are in one, the message is foreign whatever its
   length ("спасибо"). A language of that script is chosen from
   `content/languages.yaml`, or the English "other scripts" reply is given.
2. Greetings and thanks ("hola", "Danke schön") are set aside: alone they are
   small talk the FAQ handles, and "hola, how much should I take?" is an
   English question.
3. Too few words left (`min_words`) is too little to judge ("ok thx").
4. When at least `english_share` of the words are common English words, the
   message is English: mixed messages are ones the bot can answer.
5. The detector (py3langid, a naive Bayes over byte n-grams, restricted to
   English and the configured languages) must be decisive: the probability of
   English at most `max_english_probability`. Telegram's `language_code`, a
   hint, only tips close calls: a looser limit when it names the likeliest
   language, a stricter one when it is English, and the hinted language wins
   between two candidates within `hint_min_ratio` of each other.
6. Letters only one configured language uses ("ñ", "ł", "ї") settle which
   language it is; otherwise the detector's best, or the hinted one.

`LanguageGuard.check` never raises: any string in, a verdict or None out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.faq.yamlsource import ContentError, Located, Reader, load_located

ENGLISH = "en"
OTHER_SCRIPT = "und"  # ISO 639-2 "undetermined": a script no configured language uses
MAX_CHARS = 300  # like the engine: cost stays flat however long the message
MAX_REPLY_CHARS = 600
MAX_PHRASE_CHARS = 40
# The scripts a configured language may name (the first word of the letters' Unicode names).
SCRIPTS = frozenset(
    {"latin", "cyrillic", "greek", "arabic", "hebrew", "armenian", "georgian", "devanagari"}
    | {"bengali", "thai", "hangul", "hiragana", "katakana", "cjk"}
)
_CODE = re.compile(r"[a-z]{2,3}")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_APOSTROPHES = str.maketrans("", "", "'’")
_SURROGATE = re.compile("[\ud800-\udfff]")
_EMERGENCY_NUMBER = re.compile(r"\b\d{2,3}\b")
_AMOUNT = re.compile(r"\d\s*(mg|g|mcg|µg)\b", re.IGNORECASE)

# Probabilities of each language code (English included) for a text.
Detector = Callable[[str], Mapping[str, float]]


@dataclass(frozen=True)
class ForeignLanguage:
    """The verdict: the message is in `code` (ISO 639-1, or "und"); send `reply`."""

    code: str
    name: str  # in English, for logs and statistics
    reply: str


@dataclass(frozen=True)
class Language:
    """One language the bot can say "English only" in."""

    code: str
    name: str
    script: str
    letters: frozenset[str]  # letters only this language uses among the configured ones
    courtesy: tuple[str, ...]  # greetings and thanks
    reply: str
    line: int  # where it is defined, for errors found later (an unknown code)


@dataclass(frozen=True)
class DetectorSettings:
    """The thresholds of the module docstring; content/languages.yaml explains each."""

    min_words: int
    max_english_probability: float
    max_english_probability_with_hint: float
    max_english_probability_english_hint: float
    english_share: float
    hint_min_ratio: float
    hinted_min_probability: float


@dataclass(frozen=True)
class Languages:
    """content/languages.yaml, validated."""

    path: str
    languages: dict[str, Language]
    english_words: frozenset[str]  # folded (see `fold`)
    settings: DetectorSettings
    other_scripts_reply: str | None


@lru_cache(maxsize=16384)
def fold(word: str) -> str:
    """Lower case, no accents, no apostrophes: "Olá" and "ola", "don't" and "dont" meet."""
    if word.isascii():
        return word.lower().translate(_APOSTROPHES)
    decomposed = unicodedata.normalize("NFD", word.lower().translate(_APOSTROPHES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def load_languages(path: Path) -> Languages:
    """Load and validate the languages file; raises ContentError naming file:line: field."""
    return parse_languages(load_located(path))


def parse_languages(doc: Located) -> Languages:
    r = Reader(doc)
    top = r.mapping(doc.data, "")
    for key in top:
        if key not in {"detector", "english_words", "other_scripts", "languages"}:
            raise doc.error(str(key), "unknown field")
    settings = _settings(r, r.field(top, "detector", "detector"))
    english = frozenset(fold(w) for w in r.texts(top.get("english_words"), "english_words"))
    other = top.get("other_scripts")
    other_reply = None
    if other is not None:
        table = r.mapping(other, "other_scripts")
        other_reply = _reply(r, r.field(table, "reply", "other_scripts"), "other_scripts.reply")
    raw = r.mapping(r.field(top, "languages", "languages"), "languages")
    if not raw:
        raise doc.error("languages", "must name at least one language")
    languages = {str(code): _language(r, str(code), entry) for code, entry in raw.items()}
    _check_across(doc, languages, english)
    return Languages(doc.path, languages, english, settings, other_reply)


def _settings(r: Reader, raw: Any) -> DetectorSettings:
    table = r.mapping(raw, "detector")

    def number(key: str, low: float, high: float) -> float:
        where = f"detector.{key}"
        value = r.field(table, key, where)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise r.doc.error(where, "must be a number")
        if not low <= value <= high:
            raise r.doc.error(where, f"must be between {low} and {high}")
        return float(value)

    known = {f.name for f in fields(DetectorSettings)}
    for key in table:
        if key not in known:
            raise r.doc.error(f"detector.{key}", "unknown setting")
    min_words = r.field(table, "min_words", "detector.min_words")
    if isinstance(min_words, bool) or not isinstance(min_words, int) or not 1 <= min_words <= 10:
        raise r.doc.error("detector.min_words", "must be a whole number from 1 to 10")
    base = number("max_english_probability", 0.0, 0.5)
    return DetectorSettings(
        min_words=min_words,
        max_english_probability=base,
        max_english_probability_with_hint=number("max_english_probability_with_hint", base, 0.5),
        max_english_probability_english_hint=number(
            "max_english_probability_english_hint", 0.0, base
        ),
        english_share=number("english_share", 0.1, 1.0),
        hint_min_ratio=number("hint_min_ratio", 0.0, 1.0),
        hinted_min_probability=number("hinted_min_probability", 0.0, 1.0),
    )


def _reply(r: Reader, raw: Any, where: str) -> str:
    text = r.text(raw, where, MAX_REPLY_CHARS)
    if not _EMERGENCY_NUMBER.search(text):
        raise r.doc.error(where, "must name the local emergency number (112, 911, ...)")
    if _AMOUNT.search(text):
        raise r.doc.error(where, "must not name an amount")
    return text


def _language(r: Reader, code: str, raw: Any) -> Language:
    where = f"languages.{code}"
    if not _CODE.fullmatch(code):
        raise r.doc.error(where, "must be a lower-case ISO 639-1 code such as 'es'")
    if code in (ENGLISH, OTHER_SCRIPT):
        raise r.doc.error(where, f"'{code}' cannot be a foreign language")
    table = r.mapping(raw, where)
    for key in table:
        if key not in {"name", "script", "letters", "courtesy", "reply"}:
            raise r.doc.error(f"{where}.{key}", "unknown field")
    name = r.text(r.field(table, "name", where), f"{where}.name", MAX_PHRASE_CHARS)
    script = r.text(r.field(table, "script", where), f"{where}.script", MAX_PHRASE_CHARS)
    if script not in SCRIPTS:
        raise r.doc.error(f"{where}.script", f"must be one of {', '.join(sorted(SCRIPTS))}")
    letters_raw = table.get("letters") or ""
    if not isinstance(letters_raw, str):
        raise r.doc.error(f"{where}.letters", "must be text: the letters, side by side")
    letters = frozenset(letters_raw.lower())
    for letter in sorted(letters):
        if not letter.isalpha() or _script(letter) != script:
            raise r.doc.error(f"{where}.letters", f"'{letter}' is not a {script} letter")
    courtesy = r.texts(
        table.get("courtesy"), f"{where}.courtesy", allow_empty=True, limit=MAX_PHRASE_CHARS
    )
    for i, phrase in enumerate(courtesy):
        if not _words(phrase):
            raise r.doc.error(f"{where}.courtesy[{i}]", "must contain words")
    reply = _reply(r, r.field(table, "reply", where), f"{where}.reply")
    return Language(code, name, script, letters, courtesy, reply, r.doc.line(where))


def _check_across(doc: Located, languages: dict[str, Language], english: frozenset[str]) -> None:
    """Letters must single out one language; a greeting must not be an English word."""
    owner: dict[str, str] = {}
    for code, language in languages.items():
        for letter in sorted(language.letters):
            if letter in owner:
                message = f"'{letter}' is also listed for '{owner[letter]}'"
                raise doc.error(f"languages.{code}.letters", message)
            owner[letter] = code
        for i, phrase in enumerate(language.courtesy):
            words = _words(phrase)
            if len(words) == 1 and fold(words[0]) in english:
                message = f"'{phrase}' is in english_words; a greeting would hide it"
                raise doc.error(f"languages.{code}.courtesy[{i}]", message)


def _words(text: str) -> list[str]:
    """Runs of letters, apostrophes inside kept ("c'est"); digits and emoji are not words."""
    return [w.lower() for w in _WORD.findall(text)]


def _script(word: str) -> str:
    """The script of a word's first letter, from its Unicode name ("CYRILLIC SMALL ...")."""
    return "latin" if word[:1].isascii() else _script_of(word[:1])


@lru_cache(maxsize=1024)
def _script_of(word: str) -> str:
    for char in word:
        if char.isalpha():
            name = unicodedata.name(char, "")
            return name.split(" ", 1)[0].lower() if name else ""
    return ""


def _clean(text: str) -> str:
    """The first MAX_CHARS characters, composed (NFC), without lone surrogates."""
    return unicodedata.normalize("NFC", _SURROGATE.sub("", text[:MAX_CHARS]))


@lru_cache(maxsize=2)
def py3langid_detector(codes: tuple[str, ...]) -> Detector:
    """py3langid's model restricted to `codes`; ValueError names any code it does not know.

    The model ships inside the wheel: nothing is downloaded, ever. Only the
    wanted languages' columns of its 142 are kept (about 45 MB stay resident,
    most of it the n-gram automaton). Cached: engines in one process share it.
    """
    import py3langid.langid as langid  # type: ignore[import-untyped]
    from py3langid.modelio import load_model  # type: ignore[import-untyped]

    ptc, pc, classes, nextmove, row, output = load_model(langid.MODEL_DIR / langid.MODEL_FILE)
    wanted = set(codes)
    unknown = wanted - set(classes)
    if unknown:
        raise ValueError(", ".join(sorted(unknown)))
    keep = [i for i, c in enumerate(classes) if c in wanted]
    identifier = langid.LanguageIdentifier(
        ptc[:, keep].copy(),
        pc[keep].copy(),
        [classes[i] for i in keep],
        nextmove,
        output,
        norm_probs=True,
        tk_row=row,
    )

    def detect(text: str) -> dict[str, float]:
        return {str(code): float(p) for code, p in identifier.rank(text)}

    return detect


class LanguageGuard:
    """Says whether a message is in a language the bot should answer with "English only".

    Build one per process (loading the model takes about a second); `detector`
    replaces py3langid, for tests.
    """

    def __init__(self, languages: Languages, detector: Detector | None = None) -> None:
        self.languages = languages
        self.settings = languages.settings
        if detector is None:
            try:
                detector = py3langid_detector(tuple(sorted({ENGLISH, *languages.languages})))
            except ValueError as exc:
                code = str(exc).split(", ")[0]
                line = languages.languages[code].line if code in languages.languages else 1
                message = f"the language detector does not know '{exc}'"
                raise ContentError(languages.path, line, f"languages.{code}", message) from None
        self.detect = detector
        self._english = languages.english_words
        phrases = {
            tuple(fold(w) for w in _words(p))
            for lang in languages.languages.values()
            for p in lang.courtesy
        }
        # Greetings and thanks by their first word, longest first ("muito obrigado" before "muito").
        self._courtesy: dict[str, list[tuple[str, ...]]] = {}
        for phrase in sorted(phrases, key=len, reverse=True):
            self._courtesy.setdefault(phrase[0], []).append(phrase)

    def check(self, text: str, hint: str | None = None) -> ForeignLanguage | None:
        """The language to answer "English only" in, or None to go on in English.

        `hint` is Telegram's `language_code` of the person, if any ("de", "pt-br").
        """
        if not isinstance(text, str):
            return None
        words = _words(_clean(text))
        if not words:
            return None
        hinted = self._hint(hint)
        by_script: dict[str, list[str]] = {}
        for word in words:
            by_script.setdefault(_script(word), []).append(word)
        script, most = max(by_script.items(), key=lambda kv: (len(kv[1]), kv[0] != "latin"))
        if script != "latin":
            return self._other_script(script, most, hinted)
        content = self._without_courtesy(by_script["latin"])
        if len(content) < self.settings.min_words:
            return None
        english = sum(1 for w in content if fold(w) in self._english)
        if english >= self.settings.english_share * len(content):
            return None
        candidates = [lang for lang in self.languages.languages.values() if lang.script == "latin"]
        if not candidates:
            return None
        sample = " ".join(content)
        probs = self.detect(sample)
        chosen = self._choose(candidates, probs, sample, hinted)
        limit = self.settings.max_english_probability
        if hinted == ENGLISH:
            limit = self.settings.max_english_probability_english_hint
        elif hinted == chosen.code and self._decisive(chosen.code, probs):
            limit = self.settings.max_english_probability_with_hint
        if probs.get(ENGLISH, 0.0) > limit:
            return None
        return ForeignLanguage(chosen.code, chosen.name, chosen.reply)

    def _decisive(self, code: str, probs: Mapping[str, float]) -> bool:
        """The detector itself finds `code` the likeliest, and with some confidence."""
        p = probs.get(code, 0.0)
        return p >= self.settings.hinted_min_probability and p >= max(probs.values(), default=0.0)

    def _hint(self, hint: str | None) -> str | None:
        """Telegram's language_code ("pt-br", "en", "de_AT") as a configured code, or None."""
        if not isinstance(hint, str):
            return None
        code = re.split(r"[-_]", hint.strip().lower(), maxsplit=1)[0]
        return code if code == ENGLISH or code in self.languages.languages else None

    def _without_courtesy(self, words: list[str]) -> list[str]:
        folded = [fold(w) for w in words]
        kept: list[str] = []
        i = 0
        while i < len(words):
            for phrase in self._courtesy.get(folded[i], ()):
                if tuple(folded[i : i + len(phrase)]) == phrase:
                    i += len(phrase)
                    break
            else:
                kept.append(words[i])
                i += 1
        return kept

    def _other_script(
        self, script: str, words: list[str], hinted: str | None
    ) -> ForeignLanguage | None:
        candidates = [lang for lang in self.languages.languages.values() if lang.script == script]
        if not candidates:
            reply = self.languages.other_scripts_reply
            return None if reply is None else ForeignLanguage(OTHER_SCRIPT, "other", reply)
        sample = " ".join(words)
        probs = self.detect(sample) if len(candidates) > 1 else {}
        chosen = self._choose(candidates, probs, sample, hinted)
        return ForeignLanguage(chosen.code, chosen.name, chosen.reply)

    def _choose(
        self,
        candidates: list[Language],
        probs: Mapping[str, float],
        sample: str,
        hinted: str | None,
    ) -> Language:
        """Letters only one language uses settle it; else the likeliest, or the hint if close."""
        present = set(sample)
        marked = [lang for lang in candidates if lang.letters & present]
        if len(marked) == 1:
            return marked[0]
        pool = marked or candidates
        best = max(pool, key=lambda lang: probs.get(lang.code, 0.0))
        for lang in pool:
            close = probs.get(lang.code, 0.0) >= self.settings.hint_min_ratio * probs.get(
                best.code, 0.0
            )
            if lang.code == hinted and close:
                return lang
        return best
