"""The conversation engine: one message in, one Reply out.

This is the pure core every adapter (Telegram, console, command line) calls.
It decides, in order of safety: emergency triage, small talk, another
substance, kidney/medication questions, amounts, then the fuzzy match. A
message that mentions feeling unwell never gets the dosage topic offered
and always gets the "contact a doctor / emergency number" line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from bot.faq.content import Content, Entry
from bot.faq.coverage import Coverage
from bot.faq.focus import focus
from bot.faq.hybrid import (
    DEFAULT_WEIGHTS,
    UNRELATED,
    Decision,
    Semantic,
    SemanticIndex,
    Weights,
    asked_otherwise,
    decide,
    nudge,
    settle_by_form,
)
from bot.faq.language import LanguageGuard
from bot.faq.matcher import (
    ANSWER_THRESHOLD,
    CLARIFY_MARGIN,
    MAX_ALTERNATIVES,
    Matcher,
    Scored,
)
from bot.faq.normalize import Analysis, Normalizer
from bot.faq.reply import Choice, Kind, Reply
from bot.faq.safety import DoseBand, DoseMention, SafetyRules, Scope, dose_mention
from bot.faq.semantic import Embedder
from bot.faq.triage import Category, Triage, Verdict
from bot.faq.triage_net import TriageNet

SEMANTIC_INPUT_CHARS = 1000  # what the second net reads of a message
CONFIDENT_ANSWER = 70.0  # an FAQ answer this sure, with nothing unwell said, skips the net
# The net's figures below are out of fold: a net built like the shipped one but
# trained without development parts F, K, M, N and O, read against those parts,
# with the word lists as they were before those parts were read (7 December 2026).
# How sure the net must be of an emergency the word lists found calm ("lol i think
# i overdosed"): 0.995 keeps 986 of 988 emergencies; 0.999 keeps 982.
CALM_NET_THRESHOLD = 0.995
# Below its alarm threshold, a net this sure of an emergency makes the reply careful:
# no dose answer or suggestion, with the careful line of the emergency it leans to.
# Kept from the frozen-encoder net this one replaced (chosen out of fold there).
DOUBTFUL_NET = 0.5
# The same for a message the word lists found calm ("would it be enough?" reads as a
# question), with a higher bar.
DOUBTFUL_CALM_NET = 0.9
# Before answering with the dose or another withheld entry (the safety one), or
# offering one as a choice, the bar is far lower: an emergency told with a dose
# question reads lower ("looking at the shotgun in the cabinet lately. anyway how
# much magnesium for cramp?"), and a reply that says less costs little there.
# Out of fold (the held-back net below): of the 2 emergencies in parts F-O that
# neither the word lists nor the net caught, the one asking about a dose read
# 0.098 (0.05 makes it careful, 0.1 does not), and 0.05 withholds the answer
# from 3 more of 183 look-alikes that ask about a dose. On the held-out question
# sets, which the net never saw, it withholds 1 of 48 dose and safety answers.
WITHHELD_DOUBT_NET = 0.05
# An alarm from the word lists that the net rates below VETO_NET urgent is not
# urgent: words like "collapsed" also describe a football team or a shelf.
# Between ANSWER_VETO_NET and VETO_NET the net is unsure, so the reply says less:
# the fallback instead of an answer, with the category's careful line
# (careful_lines in content/triage.yaml: "If someone swallowed tablets that were
# not theirs, call your poison control centre..."). Below ANSWER_VETO_NET the
# question is answered too, still without a dose and with that line.
# Chosen out of fold: a net built without development parts F, K, M, N and O,
# read against them (outside self-harm, every bar up to 0.99 loses none of the
# 826 emergencies the word lists found there, the lowest read 0.993; 0.1 spares 33
# of their 42 false alarms, 0.5 spares 36, 0.9 spares 38), and the shipped net
# read against part U, which it was not trained on (0.1 spares 29 of 37, 0.5
# spares 30, none of 255 emergencies lost). 0.5, not 0.9: an emergency told
# with a magnesium question in the same breath reads lower ("my daughter took
# 10 of my magnesium tablets, she seems fine, what should i do?" 0.88).
VETO_NET = 0.5
ANSWER_VETO_NET = 0.1
# Self-harm alarms need the net far surer: a careful reply names a crisis line, but a
# real one must not lose the crisis reply. Out of fold (the same held-back net), 0.01
# spares 4 of 12 false alarms and loses none of 83 emergencies; 0.05 would lose 1.
SELF_HARM_VETO_NET = 0.01

MAX_RELATED = 3
FOLLOW_UP_MAX_WORDS = 8  # longer messages say enough to be understood alone
UNSURE_MARGIN = 0.05  # fused answers this close to the threshold are reported as unsure


@dataclass(frozen=True)
class _SmallTalkRule:
    id: str
    triggers: tuple[tuple[str, ...], ...]
    reply: str


class TriageReader(Protocol):
    """Triage's second net (bot.faq.triage_net): reads a whole message."""

    @property
    def threshold(self) -> float:
        """Urgent when the first half of `read` is above this."""
        ...

    def read(self, text: str) -> tuple[float, Category]:
        """How likely an emergency (0..1), and the likeliest category."""
        ...


class Engine:
    """Stateless and thread-safe after construction; build once per content."""

    def __init__(
        self,
        content: Content,
        embedder: Embedder | None = None,
        *,
        vectors: Path | None = None,
        weights: Weights = DEFAULT_WEIGHTS,
        triage_net: TriageReader | None = None,
    ) -> None:
        """With an `embedder`, matching adds its semantic half (`bot.faq.hybrid`) and
        triage its second net (`triage_net`, by default bot.faq.triage_net's); without
        one, the lexical matcher and the triage lexicon alone decide. `vectors` is
        where the content's embeddings are kept between starts."""
        self.content = content
        self.embedder = embedder
        self.weights = weights
        if triage_net is None and embedder is not None:
            triage_net = TriageNet()
        self.triage_net = triage_net
        self.semantic: SemanticIndex | None = None
        if embedder is not None:
            self.semantic = SemanticIndex(content, embedder, saved=vectors)
        self.normalizer = Normalizer(content)
        self._forms = {e.id: e.form for e in content.entries if e.form is not None}
        # What a careful reply never answers with or offers: the dose, always.
        self._withheld = content.withheld_when_doubtful | {content.dose_entry}
        self.matcher = Matcher(content, self.normalizer)
        self.coverage = Coverage(content, self.normalizer)
        self.language = LanguageGuard(content.languages) if content.languages else None
        self.rules = SafetyRules(content, self.normalizer)
        # Plain words, not the matcher's typo fixes: those aim at FAQ vocabulary and
        # would turn "hives" into "give" or "fridge" into "bridge".
        self.triage = Triage(content.triage.lexicon)
        self._smalltalk = tuple(
            _SmallTalkRule(
                s.id,
                tuple(
                    sorted(
                        (t for t in (self.normalizer.phrase(x) for x in s.triggers) if t),
                        key=len,
                        reverse=True,
                    )
                ),
                s.reply,
            )
            for s in content.smalltalk
        )
        trigger_words = {w for rule in self._smalltalk for t in rule.triggers for w in t}
        filler = {w for f in content.smalltalk_filler for w in self.normalizer.phrase(f)}
        self._filler = frozenset(filler | trigger_words)
        self._safety: list[tuple[frozenset[str], Entry]] = []
        for entry in content.entries:
            if entry.safety_terms:
                toks = frozenset(
                    t for term in entry.safety_terms for t in self.normalizer.analyse(term).tokens
                )
                self._safety.append((toks, entry))
        # Single words that name a safety term's kind ("a drug", "a medicine"): asked
        # as a kind of thing ("is it a drug or a vitamin?") they are no safety question.
        self._kind_words = frozenset(
            variant.lower()
            for toks, _ in self._safety
            for canon in toks
            for variant in (canon, *content.synonyms.get(canon, ()))
            if " " not in variant
        )
        self._subject_words = frozenset(
            w
            for term in (*content.subject_terms, *content.subject_pronouns)
            for w in self.normalizer.phrase(term)
        )

    # -- public API -------------------------------------------------------

    def assess(self, text: str) -> Verdict:
        """Triage alone (for evaluation): what `reply` decides about an emergency."""
        return self._triage(text)[0]

    def reply(
        self, text: str, language_code: str | None = None, last_topic: str | None = None
    ) -> Reply:
        """The reply to one message. Never raises for any string.

        `language_code` (Telegram's, e.g. "de") only tips close calls between
        English and another language. `last_topic` is the entry the chat was
        last answered with (bot.faq.followup): a short message that means
        nothing alone ("what if I don't?") is read as a follow-up to it."""
        verdict, reply = self._triage(text)
        if verdict.category is not None:
            return self._urgent(verdict.category)
        foreign = self.language.check(text, language_code) if self.language else None
        if foreign is not None:
            other = _with(self._simple(Kind.OTHER_LANGUAGE, foreign.reply), topic=foreign.code)
            return self._fail_safe(other, verdict) if verdict.doubtful else other
        reply = reply or self._reply(text)
        if last_topic is not None and self.content.has_entry(last_topic):
            reply = self._follow_up(text, reply, last_topic)
        if verdict.doubtful:  # maybe an emergency: say less, never a dose, say where help is
            unoffered = reply.kind is Kind.CLARIFY and set(reply.alternatives) <= self._withheld
            if verdict.say_less or unoffered or reply.entry_id in self._withheld:
                reply = self._fallback(reply.score)
            return self._fail_safe(self._without_dose_verdict(reply, text), verdict)
        return self._fail_safe(reply, verdict) if verdict.unwell else reply

    def _without_dose_verdict(self, reply: Reply, text: str) -> Reply:
        """No reassurance about an amount someone named ("400 mg is inside the range")
        when they may be in danger: a child who swallowed 400 mg is no dose question.
        A note that the amount is above the range stays: it is a warning."""
        said = dose_mention(text)
        if said is None or said.band is DoseBand.ABOVE:
            return reply
        note = said.note(self.content.texts)
        return _with(reply, notes=tuple(n for n in reply.notes if n != note))

    def _follow_up(self, text: str, alone: Reply, last_topic: str) -> Reply:
        """A short message that is not understood alone, read with the previous question.

        "and at night?" after the sleep answer becomes "Does magnesium glycinate
        help with sleep? and at night?": the previous topic's words carry the
        match, the new words steer it ("how much of it?" goes to dosage, "and
        for my kids?" to the children reply). Only an answer or an uncovered
        topic's reply replaces what the message got alone, and a "did you
        mean" only by one of its own choices.
        """
        settled = alone.kind is Kind.ANSWER and not alone.unsure
        if settled or alone.kind not in (Kind.ANSWER, Kind.CLARIFY, Kind.FALLBACK):
            return alone
        words = text.lower().replace("?", " ").split()
        if len(words) > FOLLOW_UP_MAX_WORDS or not _continues(words):
            return alone
        norm = self.normalizer
        if any(
            w.isalpha() and w not in norm.vocab and w not in norm.stopwords
            for w in norm.analyse(text).words
        ):
            return alone  # "what about the weather": a new subject, not a follow-up
        previous = self.content.entry(last_topic).question
        joined = self._reply(f"{previous} {text}")
        if alone.kind is Kind.CLARIFY:
            # The context may pick one of the choices; it never overrules them.
            chosen = joined.kind is Kind.ANSWER and joined.entry_id in alone.alternatives
            return joined if chosen else alone
        if joined.kind in (Kind.ANSWER, Kind.NOT_COVERED):
            return joined
        return alone

    def _triage(self, text: str) -> tuple[Verdict, Reply | None]:
        """The lexicon first; the semantic net confirms its alarms and reads what it missed.

        An alarm the net rates below VETO_NET urgent (SELF_HARM_VETO_NET for
        self-harm) is made careful rather than urgent ("our team completely
        collapsed"): it carries its category's careful line, and below
        ANSWER_VETO_NET only does it still answer the question.

        Where the lexicon found calm markers (a question about what could
        happen, an event long past, "lol") the net is still asked, but must be
        surer (CALM_NET_THRESHOLD): "lol i think i overdosed" is calm to a word
        list and not to a reader. A message the net rates at least DOUBTFUL_NET
        (DOUBTFUL_CALM_NET if calm; WITHHELD_DOUBT_NET before a dose or safety
        answer) urgent without alarming is `doubtful`: it gets no dose, and the
        careful line of the category it leans to (see `reply`).
        The net is not asked when the FAQ answers confidently, nothing unwell is
        said and the answer is neither the dose nor another entry a careful reply
        withholds (the safety one): on tests/data/triage.yaml that loses no catch,
        and it spares the model on about half of ordinary questions.
        The FAQ reply computed for that check is handed back for reuse.
        """
        verdict = self.triage.assess(text)
        model = self.triage_net
        if model is None:
            return verdict, None

        def read() -> tuple[float, Category]:  # 1 - P(none), and the likeliest category
            return model.read(text[:SEMANTIC_INPUT_CHARS])

        if verdict.category is not None:
            self_harm = verdict.category is Category.SELF_HARM
            urgency = read()[0]
            if urgency >= (SELF_HARM_VETO_NET if self_harm else VETO_NET):
                return verdict, None
            careful = Verdict(
                None,
                unwell=True,
                calm=verdict.calm,
                doubtful=True,
                suspected=verdict.category,
                say_less=urgency >= ANSWER_VETO_NET,
            )
            return careful, None
        reply = self._reply(text)
        sure = reply.kind is Kind.ANSWER and reply.score >= CONFIDENT_ANSWER
        if sure and not verdict.unwell and not self._would_give_withheld(reply):
            return verdict, reply
        urgency, category = read()
        bar = max(model.threshold, CALM_NET_THRESHOLD if verdict.calm else 0.0)
        if urgency > bar:
            return Verdict(category, None, True), reply
        doubt = DOUBTFUL_CALM_NET if verdict.calm else DOUBTFUL_NET
        if self._would_give_withheld(reply):
            doubt = WITHHELD_DOUBT_NET
        if urgency >= doubt:
            return replace(verdict, doubtful=True, suspected=category), reply
        return verdict, reply

    def _would_give_withheld(self, reply: Reply) -> bool:
        """An answer with, or a choice offering, what a careful reply withholds."""
        if reply.kind is Kind.CLARIFY:
            return not self._withheld.isdisjoint(reply.alternatives)
        return reply.kind is Kind.ANSWER and reply.entry_id in self._withheld

    def _reply(self, text: str) -> Reply:
        analysis = self.normalizer.analyse(text)
        small = self._smalltalk_reply(analysis)
        if small is not None:
            return small
        view = focus(text)
        whole = self.normalizer.analyse(view.whole) if view.whole != text else analysis
        question = self.normalizer.analyse(view.question) if view.narrowed else whole
        uncovered = self.coverage.topic(whole.tokens + question.tokens, question.tokens, view.whole)
        if uncovered is not None:
            return self._not_covered(uncovered.id)
        dose = dose_mention(analysis.raw)
        scope = self.rules.scope(whole)
        said = whole.tokens + question.tokens
        tokens = set(said)
        safety = [
            e for toks, e in self._safety if toks.intersection(tokens) and _affirmed(toks, said)
        ]
        if safety and _asks_what_kind(whole.words, self._kind_words):
            safety = []
        if scope in (Scope.OTHER, Scope.COMPARISON) and not (
            safety and self._refers_to_subject(whole)
        ):
            return self._not_covered("other-substance")  # kidney or medication words win
        scored = self._lexical(whole, question)
        score_of = {s.entry_id: s.score for s in scored}
        if safety:
            best = max(safety, key=lambda e: score_of[e.id])
            return self._answer(best, score_of[best.id], dose)
        if scope is Scope.INTERACTION:
            entry = self.content.entry(self.content.interaction_entry)
            return self._answer(entry, score_of[entry.id], dose)
        form = self.content.forms.form_of(view.question)
        if self.semantic is None or (
            self._clear_winner(scored)
            and scored[0].score >= self.weights.cascade
            and not asked_otherwise(self._forms, scored[0].entry_id, form)
        ):
            return self._from_scores(scored, dose)
        # The message as sent is embedded once (cached). The question part is scored
        # lexically only: embedding it as a second view cost a second model run and,
        # on the 3,481 development questions, 0.4 points of top-1.
        semantic = nudge(
            self.semantic.assess([text[:SEMANTIC_INPUT_CHARS]]),
            self._forms,
            form,
            self.weights.form,
        )
        while (off := semantic.uncovered) and not self.coverage.named(
            off, whole.tokens, view.whole
        ):
            semantic = semantic.without(off)
        decision = settle_by_form(self._decide(score_of, semantic), self._forms, form)
        return self._from_decision(decision, dose)

    def _decide(self, lexical: dict[str, float], semantic: Semantic) -> Decision:
        """The fused decision (a method so that bench/tune_hybrid.py can record its inputs)."""
        return decide(lexical, semantic, self.weights, MAX_ALTERNATIVES)

    def _lexical(self, whole: Analysis, question: Analysis) -> list[Scored]:
        """Each entry's better lexical score of the whole message and its question part."""
        return self.matcher.score_best((whole,) if question is whole else (whole, question))

    def _from_decision(self, decision: Decision, dose: DoseMention | None) -> Reply:
        if decision.off_topic is not None and decision.off_topic != UNRELATED:
            return self._not_covered(decision.off_topic)
        if decision.answer is not None:
            reply = self._answer(self.content.entry(decision.answer), decision.score, dose)
            sure = decision.score >= 100.0 * (self.weights.answer + UNSURE_MARGIN)
            return reply if sure else _with(reply, unsure=True)
        if decision.off_topic is None and dose is not None:
            entry = self.content.entry(self.content.dose_entry)
            return self._answer(entry, decision.score, dose)
        if decision.close:
            return self._clarify([Scored(i, decision.score) for i in decision.close])
        return self._fallback(decision.score)

    def answer_entry(self, entry_id: str) -> Reply:
        """The answer for a known entry (a button press or /dose); KeyError if unknown."""
        entry = self.content.entry(entry_id)
        return self._answer(entry, 100.0, None)

    # -- decisions --------------------------------------------------------

    def _from_scores(self, scored: list[Scored], dose: DoseMention | None) -> Reply:
        top = scored[0]
        if dose is not None:
            entry_id = top.entry_id if self._clear_winner(scored) else self.content.dose_entry
            score = next(s.score for s in scored if s.entry_id == entry_id)
            return self._answer(self.content.entry(entry_id), score, dose)
        if top.score < ANSWER_THRESHOLD:
            return self._fallback(top.score)
        if self._clear_winner(scored):
            reply = self._answer(self.content.entry(top.entry_id), top.score, None)
            return reply if top.score >= ANSWER_THRESHOLD + 10.0 else _with(reply, unsure=True)
        close = [s for s in scored if top.score - s.score < CLARIFY_MARGIN][:MAX_ALTERNATIVES]
        return self._clarify(close)

    @staticmethod
    def _clear_winner(scored: list[Scored]) -> bool:
        top = scored[0]
        runner_up = scored[1].score if len(scored) > 1 else 0.0
        return top.score >= ANSWER_THRESHOLD and top.score - runner_up >= CLARIFY_MARGIN

    def _refers_to_subject(self, analysis: Analysis) -> bool:
        return any(w in self._subject_words for w in analysis.words)

    def _smalltalk_reply(self, analysis: Analysis) -> Reply | None:
        words = analysis.words
        if not words:
            return None
        for rule in self._smalltalk:
            for trigger in rule.triggers:
                n = len(trigger)
                if words[:n] == trigger and all(w in self._filler for w in words[n:]):
                    return self._simple(Kind.SMALLTALK, rule.reply)
        return None

    def _fail_safe(self, reply: Reply, verdict: Verdict) -> Reply:
        """Someone who mentions feeling unwell: no dosage suggestion, and where to get help.
        Someone who may be in an emergency (doubtful) is offered no reassuring topic either."""
        if reply.kind is Kind.SMALLTALK and not verdict.doubtful:
            return reply
        note = self.content.triage.careful_line(verdict.suspected)
        hidden = self._withheld if verdict.doubtful else {self.content.dose_entry}
        choices = tuple(c for c in reply.choices if c.entry_id not in hidden)
        related = tuple(c for c in reply.related if c.entry_id not in hidden)
        return _with(reply, choices=choices, related=related, notes=(*reply.notes, note))

    # -- reply builders ---------------------------------------------------

    def _urgent(self, category: Category) -> Reply:
        text = self.content.triage.replies[category]
        return _with(self._simple(Kind.URGENT, text), triage=category.value)

    def _base(self, kind: Kind, entry_id: str | None, score: float, body: tuple[str, ...]) -> Reply:
        return Reply(
            kind=kind,
            entry_id=entry_id,
            score=max(0.0, min(100.0, round(score, 1))),
            body=body,
            caveats=self.content.caveats,
            related_heading=self.content.texts.related,
        )

    def _simple(self, kind: Kind, text: str) -> Reply:
        return self._base(kind, None, 0.0, (text,))

    def _answer(self, entry: Entry, score: float, dose: DoseMention | None) -> Reply:
        notes: tuple[str, ...] = ()
        if dose is not None:
            notes = (dose.note(self.content.texts),)
        related = tuple(
            Choice(r, self.content.entry(r).question) for r in entry.related[:MAX_RELATED]
        )
        base = self._base(Kind.ANSWER, entry.id, score, (entry.answer,))
        return _with(base, title=entry.question, related=related, notes=notes)

    def _not_covered(self, topic_id: str) -> Reply:
        """The uncovered topic's own reply; the fallback if the content has no such topic."""
        topic = self.coverage.get(topic_id)
        if topic is None:
            return self._fallback()
        return _with(self._simple(Kind.NOT_COVERED, topic.reply), topic=topic.id)

    def _clarify(self, close: list[Scored]) -> Reply:
        choices = tuple(Choice(s.entry_id, self.content.entry(s.entry_id).question) for s in close)
        base = self._base(Kind.CLARIFY, None, close[0].score, (self.content.texts.clarify,))
        return _with(base, choices=choices)

    def _fallback(self, score: float = 0.0) -> Reply:
        choices = tuple(
            Choice(t, self.content.entry(t).question) for t in self.content.fallback_topics
        )
        base = self._base(Kind.FALLBACK, None, score, (self.content.texts.fallback,))
        return _with(base, choices=choices)


_CONTINUATIONS = ("and", "but", "or", "so", "also", "then", "what if", "what about", "how about")
_BACK_REFERENCES = frozenset({"it", "its", "it's", "that", "this", "them", "those", "these", "one"})


NEGATORS = frozenset({"no", "not", "none", "never", "without", "nor", "dont", "doesnt", "isnt"})
NEGATION_REACH = 3  # "not on any medication": a negator this close before a term denies it
# "not many medications", "no idea about meds": a negator before these denies nothing.
NOT_DENYING = frozenset({"many", "much", "sure", "idea", "enough", "only", "just"})


def _affirmed(terms: frozenset[str], tokens: tuple[str, ...]) -> bool:
    """Some use of a safety term that no negator just before denies: "no meds, no
    conditions" is no medications question, "I don't take any meds except warfarin" is."""

    def denied(i: int) -> bool:
        return any(
            tokens[j] in NEGATORS and NOT_DENYING.isdisjoint(tokens[j + 1 : i])
            for j in range(max(0, i - NEGATION_REACH), i)
        )

    return any(t in terms and not denied(i) for i, t in enumerate(tokens))


def _asks_what_kind(words: tuple[str, ...], kinds: frozenset[str]) -> bool:
    """ "is it a drug or a vitamin?", "a mineral or a medicine": a kind word after "a"
    in a message that weighs alternatives ("or") or ends asking "what"."""
    named = any(w in kinds and i and words[i - 1] in ("a", "an") for i, w in enumerate(words))
    return named and ("or" in words or "what" in words[-2:])


def _continues(words: list[str]) -> bool:
    """Words that lean on the previous turn: "and at night", "what if I don't", "is that safe"."""
    opening = " ".join(words[:2])
    starts = any(opening == c or opening.startswith(c + " ") for c in _CONTINUATIONS)
    return starts or any(w.strip(".,!") in _BACK_REFERENCES for w in words)


def _with(reply: Reply, **changes: object) -> Reply:
    return replace(reply, **changes)  # type: ignore[arg-type]
