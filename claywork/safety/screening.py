"""Crisis language in free text: a detector made of rules and lexicons that favours recall.

``screen_text(text)`` says whether a journal entry, check-in note or intention holds crisis
language (suicidal thoughts, self-harm, a plan or the means, a goodbye, wishing not to wake
up), and why. Pure Python: no Django, no network, no model; the same input always gives the
same answer. The phrases are in ``data/screening_lexicon.toml``, the context words in
``screening_rules.py``; what is flagged and why is in ``docs/decisions/0003-crisis-screening.md``.

Each phrase found is judged in its sentence, in this order (the first that applies decides):

1. an idiom or an accident overlapping it ("this traffic is killing me", "cut myself
   shaving") clears it; so does a figure of speech ("kill me now") unless the writer says
   they mean it;
2. inside a quoted song, film or book it is someone else's words, unless the writer takes
   them as their own ("that song is how I feel");
3. a bare mention of the topic ("suicide", "self-harm") in talk about evidence, awareness or
   prevention, or a general point someone taught ("we learned that ..."), is informational;
4. inside a clinician's question or a questionnaire item it is not an answer, unless the
   writer says they answered yes (or that the no they gave was a lie); a quoted question put
   to the writer and answered with a clear no ('"Any self-harm?" "None," I told her') is
   cleared unless something after the no takes it back ("no, but ...", "I lied");
5. a negation that reaches it ("I'm not suicidal", "I'd never hurt myself") or a stop after it
   ("the urges went away") clears it; "can't stop thinking about dying" does not;
6. a condition that is remote or comes with a way to get help ("if I ever feel like hurting
   myself, I'll call 988", "when I feel like hurting myself I text my sister") clears it; a
   threat ("if this doesn't work I'll kill myself") does not, nor does "what if I just ended
   it" or "imagine if I didn't wake up"; nor does crisis help used and come through ("called
   the crisis line, they helped, I'm safe") or an urge met with the safety plan ("held ice
   instead and it passed"), unless the act followed;
7. about someone else: flagged while it is their present risk ("my friend says she wants to
   kill herself", "she took pills tonight"), not when it is an event of the past ("my uncle
   died by suicide", "... five years ago, today would have been his birthday") or a sign that
   is only a warning in the writer ("mum is putting her affairs in order");
8. about oneself: cleared by a distant past ("I used to think about ending it", "years ago",
   "past me", "That was twelve years ago." in the next sentence), unless something ties it
   back to now ("again", "lately", "still"); a recent past ("last night I wanted to die") is
   flagged. A past set against a present that is well ("Suicidal once. Not now.", "the
   suicidal years feel like another person now") and what an old diary held ("I found my old
   diary. Page after page about wanting to die.") are a distant past too, unless the writer
   says it is back or not well after all.

Anything not cleared is flagged: when in doubt, flag. Joking markers ("lol") never clear.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from bisect import bisect_right
from dataclasses import dataclass

from claywork.safety import screening_rules as rules
from claywork.safety import semantic

_logger = logging.getLogger(__name__)
CRISIS = "crisis"  # alert the care team now
CONCERN = "concern"  # warning signs without ideation: support for the patient, a review item
NO_LEVEL = "none"


@dataclass(frozen=True)
class ScreenResult:
    """The verdict on one text.

    ``flag`` is true for both levels: ``crisis`` (alert the care team now) and ``concern``
    (hopelessness or warning signs without ideation: never silent, a low-priority review).
    ``matched`` is the patient's own words that decided it: never put it (or ``reason``) in
    an alert, a log line or anything else the care team reads for a private entry.
    """

    flag: bool
    reason: str  # "suicidal ideation, first person, present", or "negated", "idiom", ...
    matched: str  # "" when nothing matched
    level: str = NO_LEVEL  # CRISIS, CONCERN or NO_LEVEL


NOTHING = ScreenResult(flag=False, reason="no crisis language", matched="")
# How a verdict of the semantic model's reason begins (the rules' reasons name a category).
MODEL_REASON = "semantic model"
# Long text is screened in chunks of about this many characters, cut at a sentence end, so
# that memory stays flat and a 1 MB entry takes a bounded time per chunk.
CHUNK_CHARACTERS = 8_000
_MATCHED_CHARACTERS = 200

_STRAIGHT = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u02bc": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)
_SPACES = re.compile(r"\s+")
_WORDLIKE = re.compile(r"[a-z0-9']+")
# Substrings every conditional or imagined case holds (see rules.CONDITIONAL, IMAGINED).
_CONDITION_CUES: tuple[str, ...] = ("if", "in case", "should i ever", "imagin", "suppos")
_CONDITION_CUES += ("hypothetical", "in theory", "pretend")
_THIRD_IN_PHRASE = rules.rx(
    r"\b(?:herself|himself|themselves|themself|her self|him self|(?:his|her|their)"
    r" (?:own )?li(?:fe|ves))\b"
)
_EVENT_NOUN = re.compile(r"(?:de|des|dose|doses|harm|injury)$")
_OPEN_QUOTE = re.compile(r"(?:^|\s)'")
_CLOSE_QUOTE = re.compile(r"[a-z0-9.!?,]'(?=\s|$|[,.!?])")
# Written with plain spaces (not rules.rx): a look-behind needs a fixed width.
_RECURRING = re.compile(
    r"(?<!never )(?<!not )(?<!n't )\b(?:again|still(?! (?:here|alive|around|breathing"
    r"|standing|kicking))|lately|recently|these days|coming back"
    r"|came back|(?:are|is|'s) back|creeping back|crept back|returned|returning|relapsed?"
    # "... and honestly nothing has changed since", "the same feeling all week", "I've been
    # thinking about doing it the same way" (stop 28's probe)
    r"|nothing(?:'s| has) changed|(?:has|have)n'?t changed|the same (?:feeling|way|thoughts?"
    r"|urges?|pull)|all (?:this )?week|i'?ve been (?:thinking about|planning|considering)"
    r" (?:doing )?(?:it|that)"
    # Spanish: "otra vez", "de nuevo", "volvió", "sigo", "todavía", "últimamente"
    r"|otra vez|de nuevo|volvi(?:o|\u00f3)|volvieron|ha vuelto|han vuelto|sigo|sigue"
    r"|vuelv[oe] a|volv(?:i|\u00ed) a"
    r"|todav(?:i|\u00ed)a"
    r"|(?:u|\u00fa)ltimamente|esta semana)\b"
    # "My old therapist used to ask if I was suicidal; I am, and ...": a present answer
    r"|" + rules.PRESENT_ANSWER
)
# Just before a "these days", "lately": that none of it is there ("I have zero urges these
# days", "no thoughts like that lately"), which ties nothing back to now.
_NONE_NOW = rules.rx(
    r"\b(?:zero|no|none of (?:the|those|these|that)|free of|clear of|without) (?:more |real "
    r"|such |of (?:the|those|these) )?(?:urges?|thoughts?|cravings?|desires?|wish(?:es)?"
    r"|impulses?|episodes?|cutting|self-?harm)\b(?: (?:like (?:that|this|those)|at all))?\W*$"
)
# "now" ending the sentence right after the phrase ties it to now whatever dated the sentence
# before it: "I overdosed in 2015 and I want to die now.", "... and I want to die now too."
# (Not "used to cut, now I ...": a then-and-now contrast.)
_NOW_RIGHT_AFTER = rules.rx(
    r"^\W*(?:right )?(?:now|today|tonight)(?:,? (?:too|as well|also|again))?\W*$"
)
# The self-harm phrase is an urge or a wish, not an act.
_URGE = rules.rx(r"\b(?:urges?|wanted to|felt like|want to|feel like|tempted to|almost)\b")
# The writer speaking right before the phrase ("... and I want to die"), and what makes
# that "I" a quotation after all ("the song goes I want to die": stop 33).
_OWN_VOICE_BEFORE = rules.rx(
    r"(?:^|[^\w'])(?:i|i'?m|im|i am|i'?ve|ive|i'?d|i'?ll|i will|i was)"
    r"(?: (?:just|really|still|so|honestly|actually|kind of|kinda|literally|seriously))?"
    r"(?: (?:going to|gonna|want to|wanna|wanted to|need to|have to|tried to|try to))? ?$"
)
_SPOKEN_BEFORE = rules.rx(
    r"\b(?:says?|said|sings?|sang|singing|goes|went|writes?|wrote|screams?|screamed|whispers?"
    r"|whispered|lines?|lyrics?|titled|called|quote|quoted|chorus|verse)\b\W*[^.!?]{0,12}$"
)
# News of the writer's own life: "got the news", "bad news", "the news from the doctor".
_OWN_NEWS = rules.rx(
    r"\b(?:got|get|gets|getting|heard|hear|hearing|had|have|bad|good|sad|awful|terrible|worst"
    r"|broke|breaking|big|some|that|this|their|his|her|my) (?:the |some |this |that )?news$"
)
_OWN_NEWS_AFTER = rules.rx(
    r" (?:from (?:the|my|our) |that (?:i|my|we)\b|about (?:my|me|mum|mom|dad)\b)"
)
# Exasperation at a trifle come round again: "if I hear that song one more time", "if my mum
# posts one more meme" (stop 33: the media words cleared these before, as quotes).
_IF_TRIVIAL_AGAIN = rules.rx(
    r"\bif\b(?=[^.!?]{0,80}\b(?:one more|another) (?:\w+ )?(?:songs?|memes?|meetings?|ads?"
    r"|adverts?|commercials?|jingles?|spreadsheets?|playlists?|carols?|zoom calls?|budget"
    r" meetings?)\b|[^.!?]{0,80}\b(?:songs?|memes?|jingles?|carols?|adverts?)\b[^.!?]{0,40}"
    r"\bone more time\b)"
)
_KILL_OR_SHOOT = rules.rx(r"\b(?:kill|shoot)")
# Done on purpose: no accident, no figure of speech (stop 33).
_ON_PURPOSE = rules.rx(
    r"\b(?:on purpose|deliberately|intentionally|a proposito|a prop\u00f3sito)\b"
)
# The writer's own former self, told of in the third person.
_OWN_FORMER_SELF = rules.rx(r"\bmy (?:past|old|older|younger|former|teenage|teen) self\b")
# Coping chosen over the act: "I went for a run instead of hurting myself".
_INSTEAD_OF = rules.rx(r"\b(?:instead of|rather than) (?:\w+ )?$")
# The urge named after the phrase: "when the self-harm urge came".
_URGE_NAMED_AFTER = rules.rx(r"^ ?(?:urges?|cravings?|impulses?)\b")
# "..., but that was twenty years ago": the marker after the phrase, told of it; also after
# two words that finish the phrase ("I thought about dying a lot, but that was 2015"),
# unless they tie it to now ("again, but that was ...": STILL_NOW, checked where it is used).
_PAST_TOLD_AFTER = rules.rx(
    r"^(?P<head>\W*(?:[a-z']+,? ){0,2}?)\W*(?:but|and|though) (?:that|this|it) (?:was|is|'s)"
    r"(?: \w+){0,3} ?$"
)
# Someone else's death named just before a topic word: "a man from my unit died by suicide".
_OTHERS_DEATH = rules.rx(r"\b(?:died|dies|death|deaths|lost (?:[a-z']+ ){1,4}to) (?:by |of )?$")


def screen_text(text: str, *, rules_only: bool = False) -> ScreenResult:
    """Screen one text. Never raises on any ``str``; linear in its length.

    The rules judge every phrase of the lexicon first; a phrase they flag is ``crisis``.
    Then the semantic model (``semantic.py``), when loaded and not ``rules_only``, scores
    each sentence: at or above its crisis threshold it is ``crisis``, at or above its risk
    threshold ``concern``. A sentence the rules cleared (idiom, negation, past, quote ...)
    stays cleared unless the model is very confident (``Thresholds.cleared``). With
    ``Thresholds.rule_veto`` set (off by default), a phrase the rules flag in a sentence with
    a cue (``_veto_cue``) is set aside when the model scores the sentence below it.
    """
    model = None if rules_only else semantic.model()
    excused: ScreenResult | None = None
    concern: ScreenResult | None = None
    for start, end in _chunks(text):
        verdict = _screen_chunk(text[start:end], model)
        if verdict.level == CRISIS:
            return verdict
        if verdict.level == CONCERN:
            concern = concern or verdict
        elif verdict.matched:
            excused = excused or verdict
    return concern or excused or NOTHING


def explain_text(text: str) -> dict[str, object]:
    """What decided a verdict: the rules' verdict and every scored sentence (for
    ``claywork screen --explain``; it holds the text, so never log or store it)."""
    model = semantic.model()
    sentences: list[dict[str, object]] = []
    for start, end in _chunks(text):
        chunk = text[start:end]
        document = _Document(chunk, chunk.lower().translate(_STRAIGHT))
        _, cleared = _rules_pass(document)
        try:
            scores = model.score_spans(document.lowered, document.spans()) if model else []
        except Exception:  # explained as rules only, as the screen itself would
            scores = []
        for score in scores:
            sentences.append(
                {
                    "text": _SPACES.sub(" ", document.original[score.start : score.end]).strip(),
                    "risk": round(score.risk, 3),
                    "crisis": round(score.crisis, 3),
                    "cleared_by_rules": cleared.get(document.index_of(score.start), ""),
                }
            )
    thresholds = model.thresholds if model else None
    return {
        "rules": dataclasses.asdict(screen_text(text, rules_only=True)),
        "model": semantic.status(),
        "thresholds": dataclasses.asdict(thresholds) if thresholds else None,
        "sentences": sentences,
    }


def _chunks(text: str) -> list[tuple[int, int]]:
    """Spans of at most about ``CHUNK_CHARACTERS``, ending after a sentence end (or a space)
    where there is one, so no sentence is cut unless it is itself longer than a chunk."""
    spans: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > CHUNK_CHARACTERS:
        limit = start + CHUNK_CHARACTERS
        cut = max(text.rfind(mark, start + CHUNK_CHARACTERS // 2, limit) for mark in ".!?\n")
        if cut == -1:
            cut = text.rfind(" ", start + CHUNK_CHARACTERS // 2, limit)
        end = cut + 1 if cut != -1 else limit
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    return spans


def _screen_chunk(text: str, model: semantic.SemanticModel | None) -> ScreenResult:
    document = _Document(text, text.lower().translate(_STRAIGHT))
    verdict, cleared = _rules_pass(document, model)
    if verdict.flag or model is None:
        return verdict
    concern: ScreenResult | None = None
    try:
        scores = model.score_spans(document.lowered, document.spans(), only_deciding=True)
    except Exception as error:  # the rules' verdict stands; never an error for the writer
        _logger.error("screening model failed on a text (%s); rules only", type(error).__name__)
        return verdict
    limits = model.limits_for(len(scores))
    for score in scores:
        index = document.index_of(score.start)
        was_cleared = index in cleared
        matched = _SPACES.sub(" ", document.original[score.start : score.end]).strip()
        matched = matched[:_MATCHED_CHARACTERS]
        if was_cleared and score.crisis < limits.cleared:
            # Only where a sentence's shape alone raised the bar (a past, a question, a safety
            # plan: ``_model_cue``), never a phrase the rules negated, dated or quoted.
            # Flagged so, its level is told as any flagged sentence's (crisis_when_flagged).
            if cleared[index].endswith(CUE_MARK) and score.risk >= limits.cleared_concern:
                if score.crisis >= limits.crisis_when_flagged:
                    return ScreenResult(
                        True, f"{MODEL_REASON}, crisis ({score.crisis:.2f})", matched, CRISIS
                    )
                if concern is None:
                    concern = ScreenResult(
                        True, f"{MODEL_REASON}, concern ({score.risk:.2f})", matched, CONCERN
                    )
            continue
        flagged = not was_cleared and score.risk >= limits.concern
        if score.crisis >= limits.crisis or (
            flagged and score.crisis >= limits.crisis_when_flagged
        ):
            return ScreenResult(
                True, f"{MODEL_REASON}, crisis ({score.crisis:.2f})", matched, CRISIS
            )
        if concern is None and flagged:
            concern = ScreenResult(
                True, f"{MODEL_REASON}, concern ({score.risk:.2f})", matched, CONCERN
            )
    return concern or verdict


def _rules_pass(
    document: _Document, model: semantic.SemanticModel | None = None
) -> tuple[ScreenResult, dict[int, str]]:
    """The rules' verdict, and the sentences they cleared (index -> why): those where they
    cleared a phrase, and those that speak of a distant past, of a clinician's question or
    of a safety plan used (``_MODEL_CUES``), which only raise the model's bar. With a
    ``model`` whose ``rule_veto`` is set, a flagged phrase in a sentence with a cue that the
    model scores very low is set aside as cleared (``_Veto``)."""
    excused: ScreenResult | None = None
    cleared: dict[int, str] = {}
    lowered = document.lowered
    veto = _Veto(document, model)
    for phrase in rules.PHRASES:
        for start, end in document.sentences_for(phrase):
            for match in phrase.pattern.finditer(lowered, start, end):
                verdict = _judge(document, phrase, match)
                if verdict.flag:
                    set_aside = veto.sets_aside(
                        document.index_of(match.start()),
                        bare=phrase.category not in _NO_BARE_VETO
                        and not _tired_of_living_and_nothing_after(document, match),
                    )
                    if not set_aside:
                        return dataclasses.replace(verdict, level=CRISIS), cleared
                    verdict = ScreenResult(flag=False, reason=set_aside, matched=verdict.matched)
                    cleared[document.index_of(match.start())] = set_aside  # told by --explain
                cleared.setdefault(document.index_of(match.start()), verdict.reason)
                if excused is None:
                    excused = verdict
    if MODEL_CUES:
        for index, (start, end) in enumerate(document.spans()):
            if index not in cleared:
                reason = _model_cue(lowered[start:end])
                if reason:
                    cleared[index] = reason
    return excused or NOTHING, cleared


# Sentences the rules hold no phrase in but whose shape says "not now": the model's
# sentence score there must reach ``Thresholds.cleared`` (as for a phrase the rules cleared).
MODEL_CUES = True
_PAST_CUE = rules.rx(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|a few|many|several)"
    r" (?:years?|yrs?|months?|decades?) (?:ago|clean|free|sober|later|since)\b"
    r"|\b(?:clean|free) (?:from|of|since|for)\b|\bback (?:then|when|in)\b"
    r"|\bat (?:my|the) (?:lowest|worst)\b|\bin the past\b"
    r"|\b(?:once|at one point|at the time|for a while|for years) i (?:thought|wanted|felt"
    r"|believed|used|tried|was)\b"
)
_NOW_AGAIN = rules.rx(
    r"\b(?:now|today|tonight|these days|lately|recently|this (?:week|month|morning)|again"
    r"|still|coming back|came back|(?:are|is|'s) back|creeping back|crept back|returned"
    r"|returning|relapsed?|right now"
    # Spanish (twelfth round): "ahora", "hoy", "otra vez", "volvió", "sigo", "todavía"
    r"|ahora|hoy|esta (?:noche|semana)|otra vez|de nuevo|volvi(?:o|\u00f3)|volvieron|sigo|sigue"
    r"|todav(?:i|\u00ed)a|a(?:u|\u00fa)n|(?:u|\u00fa)ltimamente)\b"
)
# What the writer says they will do: a past in the same sentence is not all of it ("for years
# I believed I'd be dead by thirty, and I'm going to make sure of it this summer"; stop 33).
_WILL_DO = rules.rx(
    r"\b(?:i'?m|im|i am) (?:going to|gonna)\b|\bi(?:'ll| will) (?!never\b|not\b)"
    r"|\bmake sure of it\b|\bthis (?:summer|winter|spring|fall|autumn|weekend|year|time)\b"
)
_SAFETY_PLAN_CUE = rules.rx(
    r"\bsafety plan\b|\b(?:urges?|thoughts?|cravings?|feelings?) (?:passed|pass|went away"
    r"|faded|eased|subsided|(?:is|was|were|are) gone|gone)\b|\binstead\b"
)


# How a reason given by ``_model_cue`` ends (a sentence cleared by its shape, no phrase in it).
CUE_MARK = "(model)"


def _model_cue(sentence: str) -> str:
    """Why the model needs more certainty in this sentence, or ""."""
    if (rules.speaks_of_distant_past(sentence) or _PAST_CUE.search(sentence)) and not (
        _NOW_AGAIN.search(sentence) or _WILL_DO.search(sentence)
    ):
        return f"past {CUE_MARK}"
    if rules.QUESTION.search(sentence) and not rules.AFFIRMED.search(sentence):
        return f"reported question {CUE_MARK}"
    if _SAFETY_PLAN_CUE.search(sentence) and not _NOW_AGAIN.search(sentence):
        return f"safety plan {CUE_MARK}"
    return ""


# Cues that a sentence the rules flag may not be the writer, now (the rule veto). Quote marks
# (someone's words, a title), unless the writer says they said or wrote them; a joking shape.
_QUOTE_MARK = re.compile(r"\"|(?:^|\s)'\w")
_QUOTED = re.compile(r"\"[^\"]*(?:\"|$)")
_OWN_QUOTE = rules.rx(
    r"\bi (?:(?:just |finally |then |even |had )?(?:said|told|wrote|typed|texted|screamed|yelled"
    r"|whispered|muttered|posted|scribbled|thought)|(?:keep|kept) (?:saying|thinking|whispering"
    r"|writing|typing|hearing))\b"
)
_JOKING = re.compile(
    r"\b(?:lol|lmao|lmfao|rofl|haha\w*|jk|j/k)\b"
    r"|[\U0001F602\U0001F923\U0001F480\U0001F643\U0001F644]"
)
# A yes in the sentence or the next: an answer, not a question or a quote ("... and I said yes").
_YES = rules.rx(r"\b(?:yes|yeah|yep|yup|s(?:i|\u00ed))\b")
# A next sentence that is nothing but when: it ties the hit before it to a time to come, which
# no harmless reading of a means or a plan needs ("... and a stool. Tonight.").
_WHEN_NEXT = rules.rx(
    r"\W*(?:(?:it'?s |its |then |so )?(?:tonight|tomorrow(?: night| morning)?|this (?:weekend"
    r"|evening)|(?:on )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?: night)?"
    r"|soon|at (?:dawn|midnight)|right now|esta noche|ma(?:n|\u00f1)ana)(?: then)?)\W*$"
)
# The wider cues (eleventh round, measured as a variant): clinical or teaching talk, and an
# urge met and resolved ("... and it passed", "now I'm safe in bed").
WIDE_VETO_CUES = False
_CLINICAL_CUE = rules.rx(
    r"\b(?:lecture|class|course|rotation|training|seminar|textbook|handout|scale|role-?play\w*"
    r"|volunteer\w*|student|studying|research|statistics)\b"
)
_RESOLVED_NOW = rules.rx(
    r"\b(?:now|tonight|today) (?:i'?m|im|i am|i feel|i felt|feeling|you'?re) (?:\w+ )?(?:safe"
    r"|okay|ok|fine|calm(?:er)?|secure|steady|better)\b"
)
_RESOLVED = rules.rx(
    r"\b(?:i'?m|im|i am|i was|i felt|i feel|feeling|you'?re|i knew i was) (?:\w+ )?(?:safe"
    r"|okay|ok|secure|steady|calm(?:er)?)\b|\b(?:it|the (?:urge|thought|feeling|pull))"
    r" (?:passed|faded|dropped|went away|eased|is gone|was gone)\b|\band it passed\b"
)
# How the reason of a rule hit set aside by the model ends.
VETO_MARK = "set aside by the model"


def _next_present_not_over(following: str) -> bool:
    """The next sentence tells a present that is not over: "When I was nineteen I wanted to
    die. Today I still do.", "... Now I'm 20 and it's worse." (stop 34)."""
    now = _NOW_AGAIN.search(following)
    if now is None:
        return False
    present = following[now.start() :]
    return bool(rules.PRESENT_NOT_OVER.search(present))


def _veto_cue(sentence: str, following: str) -> str:
    """The cue that lets the model set aside a rule hit in ``sentence``, or "" (then the rule
    hit always stands). Never when the sentence ties itself to now, insists it is meant, or
    a yes answers it."""
    if WIDE_VETO_CUES and _RESOLVED.search(sentence) and not rules.SERIOUS.search(sentence):
        told = _RESOLVED_NOW.sub(" ", sentence)
        if not _NOW_AGAIN.search(told) and not _YES.search(sentence + " " + following):
            return "resolved"
    if _NOW_AGAIN.search(sentence) or rules.SERIOUS.search(sentence):
        return ""
    if _WHEN_NEXT.match(following):
        return ""  # "Bought new rope for the swing, and a stool. Tonight."
    if rules.PAST_BACK_NEXT.search(following) or _next_present_not_over(following):
        return ""  # "Was suicidal in college. It's back now.", "... Now it's worse."
    if _YES.search(sentence + " " + following) or rules.AFFIRMED.search(sentence):
        return ""
    told = sentence + " " + following
    if rules.ANSWER_UNTRUE.search(told) or rules.ANSWER_HIDDEN.search(told):
        return ""  # "... I said no, because I didn't want to go back to the ward"
    if rules.speaks_of_distant_past(sentence) or _PAST_CUE.search(sentence):
        return "past"
    if rules.QUESTION.search(sentence):
        return "reported question"
    # Words outside the quote that frame it (who said it, where): a bare quote is not one.
    framed = len(rules.TOKEN.findall(_QUOTED.sub(" ", sentence))) >= 2
    if _QUOTE_MARK.search(sentence) and not _OWN_QUOTE.search(sentence) and framed:
        return "quote marks"
    if _SAFETY_PLAN_CUE.search(sentence):
        return "safety plan"
    if _JOKING.search(sentence):
        return "joking"
    if WIDE_VETO_CUES and (rules.TEACHING.search(sentence) or _CLINICAL_CUE.search(sentence)):
        return "clinical"
    if _OWN_THOUGHTS.search(sentence):
        return ""  # "We talked about my suicidal thoughts in the session."
    return BARE_CUE


# What ``_veto_cue`` gives for a rule hit with no cue but none of the constructions that keep
# it either: only ``Thresholds.rule_veto_bare`` may set such a hit aside (thirteenth round).
BARE_CUE = "no cue"
# The writer's own suicidal thoughts named as theirs, with no past marker: the model reads
# "thoughts" in a session or a class as clinical talk (0.002), the rules read the writer.
_OWN_THOUGHTS = rules.rx(
    r"\bmy (?:own )?(?:suicidal|suicide|self-?harm) (?:thoughts?|ideation|urges?|feelings?"
    r"|plans?|impulses?)\b"
)
# Lexicon categories a bare veto never sets aside: having reached for crisis help is the sign
# whatever the words say, and the model was never taught it ("I texted the crisis line at
# 3am." 0.0003).
_NO_BARE_VETO = frozenset({"crisis contact"})


# Tired of living, life, being alive: harmless only for what follows it ("tired of living out
# of a suitcase", "harta de vivir en este piso").
_OF_LIVING = rules.rx(
    r"\b(?:of|with|from|de) (?:[\w']+ ){0,2}?(?:living|life|being alive|staying alive|existing"
    r"|vivir|la vida|estar viv[oa]|existir)$"
)


def _tired_of_living_and_nothing_after(document: _Document, match: re.Match[str]) -> bool:
    """ "I'm tired of living." with nothing after it in its sentence. A bare veto reads the
    words that make it about a way of life ("... paycheck to paycheck"); with none left it
    had set aside "I'm tired of living." (0.031) and "I'm sick of living." (0.004), taught by
    many harmless "sick of living in this flat" (stop 36). Only that family: freeing every
    phrase that ends its sentence let through 170 harmless fragments and pasts ("Cousin.
    Suicide. 2016.") for 5 more at-risk lines over the committed corpus."""
    _, end = document.spans()[document.index_of(match.start())]
    if rules.TOKEN.search(document.lowered, match.end(), end) is not None:
        return False
    return _OF_LIVING.search(match.group()) is not None


class _Veto:
    """Whether the model sets aside a rule hit (``Thresholds.rule_veto``): only in a sentence
    with a cue (``_veto_cue``), and only when every window of the model that reads any of
    the sentence scores below the veto on both heads. Scored once per text, when needed."""

    def __init__(self, document: _Document, model: semantic.SemanticModel | None) -> None:
        self.document = document
        self.model = model
        self.limit = model.thresholds.rule_veto if model is not None else 0.0
        self.bare_limit = model.thresholds.rule_veto_bare if model is not None else 0.0
        self._scores: list[semantic.SegmentScore] | None = None
        self._decided: dict[tuple[int, bool], str] = {}

    def sets_aside(self, index: int, *, bare: bool = True) -> str:
        """The reason the rule hit in sentence ``index`` is set aside, or "" (it stands).
        With ``bare`` False (a phrase of ``_NO_BARE_VETO``, or tired of living and nothing
        after it) only a hit with a cue may be."""
        if (self.limit <= 0.0 and self.bare_limit <= 0.0) or self.model is None:
            return ""
        if (index, bare) not in self._decided:
            self._decided[index, bare] = self._judge(index, bare)
        return self._decided[index, bare]

    def _judge(self, index: int, bare: bool = True) -> str:
        spans = self.document.spans()
        start, end = spans[index]
        following = ""
        if index + 1 < len(spans):
            following = self.document.lowered[spans[index + 1][0] : spans[index + 1][1]]
        cue = _veto_cue(self.document.lowered[start:end], following)
        if not cue or self.model is None:
            return ""
        limit = (self.bare_limit if bare else 0.0) if cue == BARE_CUE else self.limit
        if limit <= 0.0:
            return ""
        if self._scores is None:
            try:
                self._scores = self.model.score_spans(self.document.lowered, spans, veto=True)
            except Exception as error:  # the rule hit stands; never an error for the writer
                _logger.error(
                    "screening model failed on a text (%s); rule hit kept", type(error).__name__
                )
                self._scores = []
        # A hit with a cue is read by the risk and crisis heads (eleventh round) and, when it
        # is loaded, by the veto model too: every model must call it harmless, since the heads
        # alone read "haha I'm fine, just want to die, lol" as a joke (0.046) and the veto
        # model, taught the explicit phrases, does not (0.29). One without a cue is read only
        # by the veto model (thirteenth round): without one (-1) it stands.
        over = [
            (score.veto if score.veto >= 0.0 else 1.0)
            if cue == BARE_CUE
            else max(score.risk, score.crisis, score.veto)
            for score in self._scores
            if score.start < end and score.end > start
        ]
        if not over or max(over) >= limit:
            return ""
        return f"{cue}, {VETO_MARK} ({max(over):.3f})"


class _Document:
    """The text, lowercased, and where its sentences start and end."""

    def __init__(self, original: str, lowered: str) -> None:
        # str.lower() can change the length of a few characters (e.g. "İ"); then the
        # lowered text is what we can point into.
        self.original = original if len(original) == len(lowered) else lowered
        self.lowered = lowered
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._hits: dict[rules.Anchor, frozenset[int]] = {}  # anchor -> sentences holding it
        self._words = ""
        for sentence in rules.SENTENCE.finditer(lowered):
            self._starts.append(sentence.start())
            self._ends.append(sentence.end())

    def sentences_for(self, phrase: rules.Phrase) -> list[tuple[int, int]]:
        """The spans of the sentences that hold the phrase's anchors, in text order."""
        found = self._holding(phrase.anchors)
        if found and phrase.also:
            found &= self._holding(phrase.also)
        return [(self._starts[index], self._ends[index]) for index in sorted(found)]

    def _holding(self, anchors: tuple[rules.Anchor, ...]) -> set[int]:
        found: set[int] = set()
        for anchor in anchors:
            hits = self._hits.get(anchor)
            if hits is None:
                hits = self._hits[anchor] = self._sentences_with(anchor)
            found |= hits
        return found

    def _sentences_with(self, anchor: rules.Anchor) -> frozenset[int]:
        lowered, starts, ends = self.lowered, self._starts, self._ends
        found: set[int] = set()
        if isinstance(anchor, str):
            if _WORDLIKE.fullmatch(anchor) and anchor not in self._vocabulary():
                return frozenset()  # most anchors: absent, known from the shorter vocabulary
            position = lowered.find(anchor)
            while position != -1:
                index = max(bisect_right(starts, position) - 1, 0)
                found.add(index)
                position = lowered.find(anchor, max(ends[index], position + 1))
        else:
            for hit in anchor.finditer(lowered):
                found.add(max(bisect_right(starts, hit.start()) - 1, 0))
        return frozenset(found)

    def _vocabulary(self) -> str:
        """Each distinct word once: a word-like anchor is in the text iff it is in here."""
        if not self._words:
            self._words = " ".join(set(rules.TOKEN.findall(self.lowered))) or " "
        return self._words

    def spans(self) -> list[tuple[int, int]]:
        return list(zip(self._starts, self._ends, strict=True))

    def index_of(self, position: int) -> int:
        return max(bisect_right(self._starts, position) - 1, 0)

    def sentence_at(self, position: int) -> tuple[int, int, str]:
        """The sentence holding ``position``, and the one after it (for an answer)."""
        index = max(bisect_right(self._starts, position) - 1, 0)
        following = ""
        if index + 1 < len(self._starts):
            following = self.lowered[self._starts[index + 1] : self._ends[index + 1]]
        return self._starts[index], self._ends[index], following


@dataclass(frozen=True)
class _Context:
    sentence: str
    phrase: str
    before: str  # the sentence up to the phrase
    after: str  # the sentence after the phrase
    clause_before: str  # the clause up to the phrase
    clause_after: str  # the clause after the phrase
    following: str  # the next sentence
    rest: str = ""  # the text after the phrase, to the end of the third sentence after it
    previous: str = ""  # the sentence before

    @classmethod
    def around(cls, document: _Document, match: re.Match[str]) -> _Context:
        start, end, following = document.sentence_at(match.start())
        sentence = document.lowered[start : max(end, match.end())]
        before = sentence[: match.start() - start]
        after = sentence[match.end() - start :]
        clause_start = 0
        for clause_break in rules.CLAUSE_BREAK.finditer(before):
            clause_start = clause_break.end()
        clause_end = rules.CLAUSE_BREAK.search(after)
        index = document.index_of(match.start())
        last = document.spans()[min(index + 3, len(document.spans()) - 1)][1]
        return cls(
            sentence=sentence,
            phrase=match.group(),
            before=before,
            after=after,
            clause_before=before[clause_start:],
            clause_after=after[: clause_end.start()] if clause_end else after,
            following=following,
            rest=document.lowered[match.end() : max(last, match.end())],
            previous=document.lowered[slice(*document.spans()[index - 1])] if index else "",
        )


def _judge(document: _Document, phrase: rules.Phrase, match: re.Match[str]) -> ScreenResult:
    context = _Context.around(document, match)
    matched = _SPACES.sub(" ", document.original[match.start() : match.end()]).strip()

    def cleared(reason: str) -> ScreenResult:
        return ScreenResult(flag=False, reason=reason, matched=matched)

    if _is_idiom(context) or (
        phrase.figurative
        and not rules.SERIOUS.search(context.sentence)
        and rules.NO_MEANS_AFTER.match(context.after)
    ):
        return cleared("idiom")
    if _is_quoted(context):
        return cleared("quote")
    if (
        (phrase.topic and _is_informational(context)) or _is_teaching(context)
    ) and not rules.AFFIRMED.search(context.after):
        # ("The screening asked about self-harm, I wanted to say yes, ...": the writer's answer.)
        return cleared("informational")
    if _is_unanswered_question(context):
        return cleared("reported question")
    if _is_question_answered_no(context):
        return cleared("reported question, answered no")
    if _is_negated(context.clause_before) or rules.CEASED.match(context.clause_after):
        return cleared("negated")
    if not phrase.intent and _is_hypothetical(context):
        return cleared("hypothetical")
    if phrase.category == "crisis contact" and _is_resolved(context):
        return cleared("crisis help used")
    if phrase.category == "self-harm" and _coped(context):
        return cleared("urge met with the safety plan")
    # Harm from others is done to the writer ("me") by someone else by its nature: a death or
    # a past in the someone else's story does not make it theirs ("The brother of a patient
    # who died threatened to stab me", stop 36).
    if phrase.category != "harm from others" and _is_about_someone_else(context):
        if phrase.own_only:
            return cleared("third party, ordinary")
        if _is_past_event(phrase, context) or _is_past_set_against_another_now(context):
            return cleared("third party, past")
        return ScreenResult(
            flag=True, reason=f"{phrase.category}, third party, present", matched=matched
        )
    if _is_distant_past(context):
        return cleared("past")
    if not phrase.intent and _is_past_set_against_a_well_now(context):
        return cleared("past, well now")
    if not phrase.intent and _is_past_set_against_another_now(context):
        return cleared("past, another now")
    if not phrase.intent and _is_old_writing_read_again(context):
        return cleared("past, old writing")
    if phrase.category == "goodbye" and _is_ordinary_leave_taking(context):
        return cleared("ordinary goodbye")
    clause = context.clause_before + context.phrase + context.clause_after
    when = "recent past" if rules.RECENT.search(clause) else "present"
    return ScreenResult(
        flag=True, reason=f"{phrase.category}, first person, {when}", matched=matched
    )


def _coped(context: _Context) -> bool:
    """A self-harm urge met with the safety plan, and no act after it: "I wanted to cut, held
    ice instead and it passed", "ice and music when the self-harm urge came", "went for a run
    instead of hurting myself"."""
    told = context.after + " " + context.following
    if rules.ACTED.search(told):
        return False
    if _INSTEAD_OF.search(context.clause_before):
        return True
    if _URGE.search(context.clause_before + context.phrase):
        return bool(rules.COPED.search(told))
    if _URGE_NAMED_AFTER.match(context.after):
        return bool(rules.COPED.search(context.before + " " + told))
    return False


def _is_idiom(context: _Context) -> bool:
    if _ON_PURPOSE.search(context.sentence):
        return False  # "I cut myself in the kitchen again, on purpose": no accident
    if (
        _IF_TRIVIAL_AGAIN.search(context.before[-120:])
        and _KILL_OR_SHOOT.search(context.phrase)
        and rules.NO_PLAN_AFTER.match(context.after)
        and not rules.SERIOUS.search(context.sentence)
    ):
        return True  # "if I hear that song one more time I'm going to kill myself"
    window_before = context.before[-30:]
    window = window_before + context.phrase + context.after[:50]
    phrase_start, phrase_end = len(window_before), len(window_before) + len(context.phrase)
    for idiom in rules.IDIOM.finditer(window):
        if idiom.start() < phrase_end and idiom.end() > phrase_start:
            return True
    return bool(rules.ACCIDENT.search(context.clause_before + " " + context.clause_after))


def _is_quoted(context: _Context) -> bool:
    if rules.OWN_WORDS.search(context.sentence):
        return False
    if _names_media(context.clause_before) and not (
        # "after the show I want to die": the writer, not the show (stop 33)
        _OWN_VOICE_BEFORE.search(context.clause_before)
        and not _SPOKEN_BEFORE.search(context.clause_before)
    ):
        return True
    before = context.before
    quoted = before.count('"') % 2 == 1 or len(_OPEN_QUOTE.findall(before)) > len(
        _CLOSE_QUOTE.findall(before)
    )
    return quoted and bool(rules.MEDIA.search(context.sentence))


def _names_media(text: str) -> bool:
    """A song, a film, a book or the news named, not news of the writer's own life ("when I
    got the news", "the news from the oncologist": stop 33)."""
    return any(
        not (
            media.group() == "news"
            and (_OWN_NEWS.search(text, 0, media.end()) or _OWN_NEWS_AFTER.match(text, media.end()))
        )
        for media in rules.MEDIA.finditer(text)
    )


def _is_informational(context: _Context) -> bool:
    """Talk about the topic ("ketamine reduces suicidal thoughts"), not about oneself: an
    informational word in the sentence, and no "I", "my" or "feel" just before the phrase."""
    if not rules.INFORMATIONAL.search(context.before + " " + context.after):
        return False
    nearby = rules.TOKEN.findall(context.clause_before)[-2:]
    return not any(token in rules.MYSELF or token in rules.FEELING for token in nearby)


def _is_unanswered_question(context: _Context) -> bool:
    """Inside a clinician's question or a questionnaire item, with no "yes" after it."""
    question = None
    for question in rules.QUESTION.finditer(context.before):  # noqa: B007 - the last counts
        pass
    if question is None or rules.ANSWERED.search(context.before, question.end()):
        return False  # no question, or the phrase is in the writer's answer to it
    return not (
        rules.AFFIRMED.search(context.after)
        or rules.AFFIRMED_NEXT.match(context.following)
        # "... and I said no, but I lied": the answer given was not the truth
        or rules.ANSWER_UNTRUE.search(context.rest)
        # "... and I said nope because I didn't want to go back to the ward"
        or rules.ANSWER_HIDDEN.search(context.rest)
    )


def _is_question_answered_no(context: _Context) -> bool:
    """A quoted question put to the writer ('"Any self-harm since we last met?"', 'asked "have
    you thought about harming yourself?"') that the writer answers with a clear no right after
    it ('"None," I told my counsellor', 'and I said "no, honestly not at all"', '" q, nah im
    chill'), and nothing after the no takes it back ("no, but ...", "I lied")."""
    before = context.before
    opening = before.rfind('"')
    if before.count('"') % 2 == 0:
        opening = -1
        single = list(_OPEN_QUOTE.finditer(before))
        if len(single) > len(_CLOSE_QUOTE.findall(before)):
            opening = single[-1].end() - 1
    if opening == -1:
        return False  # the phrase is not inside a quote
    close = rules.QUESTION_CLOSE.search(context.rest)
    if close is None:
        return False
    question = before[opening + 1 :] + context.phrase + context.rest[: close.start()]
    if not rules.QUESTION_PUT.search(question) or any(
        token in rules.MYSELF for token in rules.TOKEN.findall(question)
    ):
        return False  # not put to the writer, or the writer's own words
    told = context.rest[close.end() :]
    answer = rules.ANSWERED_NO.match(told)
    return answer is not None and not rules.NO_TAKEN_BACK.search(told, answer.end())


def _is_teaching(context: _Context) -> bool:
    """A general point someone made ("we learned that ..."), with no "I" after it."""
    frame = None
    for frame in rules.TEACHING.finditer(context.before):  # noqa: B007 - the last one counts
        pass
    if frame is None:
        return False
    return not any(
        token in rules.MYSELF for token in rules.TOKEN.findall(context.before[frame.end() :])
    )


def _is_negated(clause_before: str) -> bool:
    """Whether a negation reaches the phrase: close before it, with no new subject between."""
    cue = None
    for cue in rules.NEGATION.finditer(clause_before):  # noqa: B007 - the last one counts
        pass
    if cue is None:
        return False
    if rules.NEGATION_IN_NAME.search(clause_before, 0, cue.start()):
        return False
    between = clause_before[cue.end() :]
    tokens = rules.TOKEN.findall(between)
    if len(tokens) > 5:
        return False
    if rules.NEGATION_RAISED.match(between.strip()):
        return True
    if tokens and tokens[0] in rules.NEGATION_CANCELLED_BY:
        return False
    return not any(token in rules.NEGATION_STOPS for token in tokens)


def _is_hypothetical(context: _Context) -> bool:
    """A remote condition ("if I ever ..."), one that comes with a way to get help, or an
    imagined case ("imagine a character who ..."); not a threat or a wish."""
    before = context.before
    if any(cue in before for cue in ("when", "every time", "each time")):
        habit = None
        for habit in rules.WHEN_URGE.finditer(context.clause_before):  # noqa: B007
            pass
        if habit is not None and rules.HELP_SEEKING.search(context.after):
            return True
        # The step named first: "my safety plan says to ring my brother when I feel suicidal".
        if habit is not None:
            step = context.before[: len(before) - len(context.clause_before) + habit.start()]
            if rules.PLAN_STEP.search(step) and not rules.NEGATION.search(step):
                return True
    if not any(cue in before for cue in _CONDITION_CUES):
        return False  # the common case, without running the patterns below
    # "Imagine ..." before the phrase, looking into it: "imagine if I ..." is a wish.
    imagined = rules.IMAGINED.search(context.clause_before + context.phrase)
    if imagined and imagined.start() < len(context.clause_before):
        return True
    condition = None
    for condition in rules.CONDITIONAL.finditer(context.before):  # noqa: B007
        pass
    if condition is None or rules.CONDITIONAL_IDIOM.match(context.before, condition.start()):
        return False
    between = context.before[condition.end() :]
    if rules.CONSEQUENT.search(between + context.phrase):
        return False  # "if this doesn't work, I'm going to ...": a threat, not a condition
    return bool(
        rules.CONDITION_IS_REMOTE.search(between) or rules.HELP_SEEKING.search(context.after)
    )


def _is_resolved(context: _Context) -> bool:
    """Crisis help used and come through: "they helped", "I'm safe", "slept after"."""
    for resolved in rules.RESOLVED.finditer(context.after + " " + context.following):
        before = (context.after + " " + context.following)[: resolved.start()][-8:]
        if not re.search(r"(?:not|n't|never|no) (?:\w+ )?$", before):
            return True
    return False


def _is_about_someone_else(context: _Context) -> bool:
    if _OWN_FORMER_SELF.search(context.sentence):
        return False  # "my younger self thought about hanging herself": the writer
    if _THIRD_IN_PHRASE.search(context.phrase):
        return True
    if _OTHERS_DEATH.search(context.clause_before):
        return True
    if any(token in rules.FIRST_PERSON for token in rules.TOKEN.findall(context.phrase)):
        return False
    for token in reversed(rules.TOKEN.findall(context.clause_before)[-8:]):
        token = token.removesuffix("'s")
        if token in rules.FIRST_PERSON:
            return False
        if token in rules.OTHER_PERSON or token.removesuffix("s") in rules.OTHER_PERSON:
            return True
    return False


def _is_past_event(phrase: rules.Phrase, context: _Context) -> bool:
    """Someone else's suicide, overdose or attempt that has happened: bereavement, history.
    Not when it happened just now: that is a crisis in the patient's life today."""
    if rules.JUST_NOW.search(context.sentence) and not (
        rules.LONG_GONE.search(context.sentence) or rules.speaks_of_distant_past(context.sentence)
    ):
        return False
    return bool(
        (phrase.topic and " " not in context.phrase and _EVENT_NOUN.search(context.phrase))
        or rules.PAST_VERB.search(context.clause_before + context.phrase)
        or rules.MOURNING.search(context.sentence)
        or rules.speaks_of_distant_past(context.sentence)
    )


def _is_ordinary_leave_taking(context: _Context) -> bool:
    """A goodbye or a will of ordinary life (retiring, leaving a job, a lawyer's advice), with
    nothing in the sentence or the next one saying it is final."""
    told = context.sentence + " " + context.following
    return bool(
        rules.ORDINARY_LEAVE_TAKING.search(context.sentence)
        and not rules.FINAL_GOODBYE.search(told)
        and not rules.SERIOUS.search(told)
    )


def _recurs(told: str) -> bool:
    """Something in ``told`` ties a past back to now ("... and lately it's back"), not a
    statement that it is over ("... and I have zero urges these days")."""
    return any(not _NONE_NOW.search(told[: hit.start()]) for hit in _RECURRING.finditer(told))


def _is_distant_past(context: _Context) -> bool:
    """A distant past marker governs the phrase, and nothing ties it back to now."""
    if _NOW_RIGHT_AFTER.match(context.after) or rules.PAST_BACK_NEXT.search(
        context.after + " . " + context.following
    ):
        return False
    if _present_names_risk(context.after) or _next_present_not_over(context.following):
        return False  # "years ago I wanted to die, now I have the pills", "... Today I still do."
    start = len(context.before)
    end = start + len(context.phrase)
    recurs = _recurs(context.after)
    for marker in rules.distant_past_markers(context.sentence):
        if marker.end() <= start:
            gap = context.sentence[marker.end() : start]
        elif marker.start() >= end:
            gap = context.sentence[end : marker.start()]
            told_after = _PAST_TOLD_AFTER.match(gap)
            if told_after:
                # "..., but that was twenty years ago": the "but" points back, not to now
                gap = told_after.group("head")
        else:
            gap = ""
        if not rules.STILL_NOW.search(gap) and not recurs:
            return True
    return bool(rules.PAST_NEXT.match(context.following)) and not (
        recurs or rules.JUST_NOW.search(context.sentence)
    )


def _is_past_set_against_a_well_now(context: _Context) -> bool:
    """A distant past the writer sets against a present that is well, in the sentence or the
    two after it: "wen i was a teenager i wanted to kill myself alot, but im 35 now and doing
    grate", "Suicidal once. Not now.", "the suicidal years feel like another person now".
    Not when the present is not well after all ("I'm fine now, I say, but I'm not", "and now
    it's back"), nor when the phrase's own clause is present or the past is dated recent."""
    well = rules.WELL_NOW.search(context.rest)
    if well is None:
        return False
    between, after_well = context.rest[: well.start()], context.rest[well.end() :]
    if _recurs(between) or rules.NOT_WELL_BETWEEN.search(between):
        return False
    if rules.NOT_WELL_AFTER_ALL.search(after_well):
        return False
    if rules.DATED_RECENT.search(context.sentence) or rules.PRESENT_OR_FUTURE.search(
        context.clause_before + context.phrase
    ):
        return False
    if rules.speaks_of_distant_past(context.sentence):
        return True
    return bool(rules.PAST_ONCE.match(context.after)) or any(
        past.search(context.sentence) for past in rules.PAST_SET_AGAINST_NOW
    )


def _is_old_writing_read_again(context: _Context) -> bool:
    """The phrase tells what an old diary, journal or notebook holds, named in its sentence or
    the one before: "I found my old diary from high school. So many pages about wanting to
    die." Not when the writer says it holds now ("... and I feel the same now", "still")."""
    if not rules.WRITING_HELD.search(context.sentence):
        return False
    if not rules.OLD_WRITING.search(context.previous + " . " + context.sentence):
        return False
    if rules.PRESENT_OR_FUTURE.search(context.clause_before + context.phrase) or (
        _NOW_AGAIN.search(context.sentence) or rules.DATED_RECENT.search(context.sentence)
    ):
        return False  # "I wrote about wanting to die today": new writing
    told = context.after + " " + context.following
    return not (_recurs(told) or rules.WRITING_STILL_NOW.search(told))


def _is_past_set_against_another_now(context: _Context) -> bool:
    """A crisis told in the past tense, dated a year or more back, that the writer sets against
    a present saying something else, in the same sentence or right after it: "last year I
    wanted to die, now I'm teaching my son to ride a bike", "hace un año quería morirme, hoy
    estoy aprendiendo a cocinar", "back in october i wanted to die but that was another me";
    or followed by a streak of a year or more ("... and I'm coming up on three years clean").
    Never when a date keeps it recent (days, weeks, last month), and never when that present
    names risk or says it is not over ("now I want it more", "today I have the pills")."""
    sentence = context.sentence
    if rules.RECENT_DATE.search(sentence) or _recurs(context.after):
        return False
    if not rules.PAST_TOLD.search(context.before[-60:] + context.phrase):
        return False
    if rules.CLEAN_STREAK.search(context.before):
        return not rules.NOT_OVER_NOW.search(context.after)
    streak = rules.CLEAN_STREAK.search(context.after)
    if streak:
        return not rules.NOT_OVER_NOW.search(context.after[streak.end() :])
    said = rules.ANOTHER_NOW.search(context.after)
    if said:
        return _present_is_another(context.after[said.end() :], named=True)
    if not rules.YEAR_BACK.search(context.before + context.phrase + context.after):
        return False
    now = rules.NOW_BEGINS.search(context.after)
    if now is not None:
        return _present_is_another(_clause_holding(context.after, now.start()))
    opener = rules.NOW_BEGINS.match(context.following.lstrip(" \t\n\"'"))
    if opener is None or rules.NOT_OVER_NOW.search(context.after):
        return False
    first = rules.SENTENCE.match(context.following.strip())
    return first is not None and _present_is_another(first.group())


def _clause_holding(text: str, position: int) -> str:
    """The clause of ``text`` that holds ``position``, to the end of ``text``, without the
    word that joins it ("..., but he's thriving now" -> "he's thriving now")."""
    start = 0
    for clause_break in rules.CLAUSE_BREAK.finditer(text, 0, position):
        start = clause_break.end()
    return text[start:]


def _present_is_another(present: str, *, named: bool = False) -> bool:
    """A present that is ordinary life: no risk in it, nothing that says it is not over."""
    if not named and not rules.TOKEN.search(rules.NOW_BEGINS.sub(" ", present)):
        return False
    return not (
        rules.RISK_NOW.search(present)
        or rules.NOT_OVER_NOW.search(present)
        or rules.PRESENT_NOT_OVER.search(present)
    )


def _present_names_risk(after: str) -> bool:
    """A present begun after the phrase ("now ...", "today ...") that names risk again."""
    now = rules.NOW_BEGINS.search(after)
    if now is None:
        return False
    present = _clause_holding(after, now.start())
    return bool(rules.RISK_AGAIN.search(present) or rules.PRESENT_NOT_OVER.search(present))
