"""Questionnaires as data: load, validate and look up the definitions in ``questionnaires/``.

A definition is a YAML file, one per questionnaire and version
(``questionnaires/<id>.v<version>.yaml``); ``docs/questionnaire-format.md``
describes the format. Loading checks the file against a JSON Schema and then
against the rules a schema cannot express (unique ids, routing to earlier
questions, positive answers that exist, a symbol for every point of a children's
scale, and question ids that keep their meaning across versions). Every problem
is reported as ``file:line: path: message``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

DONT_WANT_TO_SAY = "dont_want_to_say"
CHOICE_TYPES = frozenset({"single", "multiple", "scale", "yes_no", "number_band"})
RESERVED_IDS = frozenset({"csrf_token", "ballot", "language", DONT_WANT_TO_SAY})
# What a disclosing answer tells the lead inspector (``disclosures:`` in a question); the
# free-text matcher flags comments under the same categories.
DISCLOSURE_CATEGORIES = (
    "harm",
    "abuse",
    "self_harm",
    "restraint",
    "staff_misconduct",
    "whistleblowing",
    "wish_to_talk",
)
# The time an experience question asks about, stated to the respondent in the hint.
PERIODS = ("today", "last_week", "last_month", "last_three_months", "since_arrival")
# Words that state each period in an English hint (any one of them will do).
PERIOD_WORDS = {
    "today": ("now", "today"),
    "last_week": ("last week", "last 7 days", "last seven days"),
    "last_month": ("last month",),
    "last_three_months": ("last 3 months", "last three months"),
    "since_arrival": ("came here", "first night", "since you started", "since you arrived"),
}


def N_(text: str) -> str:
    """Mark text for the translation catalogue; it is translated where it is shown."""
    return text


# The words for these fixed answers are interface text, translated in the app's catalogue.
YES_NO_TEXT = {"yes": N_("Yes"), "no": N_("No")}
YES_NO_SYMBOLS = {"yes": "tick", "no": "cross"}
DONT_WANT_TO_SAY_TEXT = N_("I don't want to say")
FILE_PATTERN = "*.v*.yaml"
# Where a question's answers may come from instead of its file (``options_from:``): the
# establishment's named units (survey_app/units.py), given to ``Questionnaire.tailored``.
OPTION_SOURCES = ("units",)
#: The longest option id a source may give (``units.option_id``), for the request size limit.
LONGEST_SOURCED_OPTION_ID = 40


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    symbol: str | None = None
    #: For a merged band ("15 or older"), the finer answers it stands for.
    merges: frozenset[str] = frozenset()

    @property
    def finer(self) -> frozenset[str]:
        """The finest answers this option covers: those it merges, or itself."""
        return self.merges or frozenset({self.id})


@dataclass(frozen=True)
class Routing:
    question: str
    answers: frozenset[str]


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    area: str
    text: str
    section: str
    hint: str | None = None
    options: tuple[Option, ...] = ()
    background: bool = False
    positive: frozenset[str] = frozenset()
    when: Routing | None = None
    pair: str | None = None
    max_length: int | None = None
    # Answers counted and shown but kept out of the percentage base ("I have not had any
    # worries"), answers that disclose harm (option id -> category) and the period asked about.
    not_applicable: frozenset[str] = frozenset()
    disclosures: Mapping[str, str] = field(default_factory=dict)
    period: str | None = None
    # Background bands: establishment type -> the option ids offered there (an empty list:
    # not asked there). A type not named is offered the finest options (no merged bands).
    offered: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Where the answers come from instead of ``options`` (OPTION_SOURCES), if anywhere.
    options_from: str | None = None

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(option.id for option in self.options)

    @property
    def is_experience(self) -> bool:
        """A question about what happened or how things are, as opposed to who answered
        (background) or what they wrote (text): it must say which period it asks about."""
        return self.is_choice and not self.background

    def offered_ids(self, establishment_type: str) -> tuple[str, ...]:
        """The answers offered in this establishment type, without "I don't want to say"."""
        if establishment_type in self.offered:
            return self.offered[establishment_type]
        return tuple(o.id for o in self.options if not o.merges and o.id != DONT_WANT_TO_SAY)

    def finer(self, option_id: str) -> frozenset[str]:
        """The finest answers ``option_id`` covers (itself unless it is a merged band)."""
        option = next((o for o in self.options if o.id == option_id), None)
        return option.finer if option else frozenset({option_id})

    def wording(self) -> dict:
        """What the respondent read: two results compare only when this is the same."""
        return {
            "text": self.text,
            "hint": self.hint,
            # The finer answers: a merged band only groups them (and differs by type).
            "options": [option.text for option in self.options if not option.merges],
            "period": self.period,
        }

    def comparable(self, other: Question | None) -> bool:
        """Whether results for this question and ``other`` (the same id in another
        version) measure the same thing: same meaning, same wording, same period."""
        return (
            other is not None
            and other.id == self.id
            and other.meaning() == self.meaning()
            and other.wording() == self.wording()
        )

    def meaning(self) -> dict:
        """What may never change for this id in a later version. Merged bands are not part
        of it: they only group the finer answers, which keep their meaning
        (``check_versions`` checks that a merged band keeps what it merges)."""
        return {
            "type": self.type,
            "area": self.area,
            "background": self.background,
            "options": sorted(o.id for o in self.options if not o.merges),
            "options_from": self.options_from,
            "positive": sorted(self.positive),
            "routing": None
            if self.when is None
            else [self.when.question, sorted(self.when.answers)],
        }


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: int
    audience: str
    title: str
    establishment_types: tuple[str, ...]
    sections: tuple[Section, ...]
    introduction: str | None = None
    source: str = ""
    _by_id: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for section in self.sections for q in section.questions)

    def question(self, question_id: str) -> Question:
        if not self._by_id:
            self._by_id.update({q.id: q for q in self.questions})
        return self._by_id[question_id]

    @property
    def key(self) -> str:
        return f"{self.id}.v{self.version}"

    def tailored(self, establishment_type: str, units: Sequence[Option] = ()) -> Questionnaire:
        """This questionnaire as asked in one establishment: a background question offers
        the bands of the establishment's type, in the order listed (not asked where none
        is offered), and a
        question whose answers are the units (``options_from: units``) offers ``units``
        (not asked without any). Ids and version stay, so answers seal and count as
        before; what is offered is what ``answers.check`` accepts."""
        sections = []
        for section in self.sections:
            questions = []
            for question in section.questions:
                if question.options_from == "units":
                    choices: tuple[Option, ...] = tuple(units)
                elif question.offered or any(o.merges for o in question.options):
                    by_id = {o.id: o for o in question.options}
                    choices = tuple(by_id[i] for i in question.offered_ids(establishment_type))
                else:
                    questions.append(question)
                    continue
                if choices:
                    options = with_dont_want_to_say(choices, self.audience == "children")
                    questions.append(replace(question, options=options))
            if questions:
                sections.append(replace(section, questions=tuple(questions)))
        return replace(self, sections=tuple(sections), _by_id={})

    def client_definition(self) -> dict:
        """What a browser needs to check and route answers as ``answers.check`` does
        (``survey_app/static/answers.js``): ids, types, answer ids, lengths and routing."""
        return {
            "id": self.id,
            "version": self.version,
            "questions": [
                {
                    "id": q.id,
                    "type": q.type,
                    "options": list(q.option_ids),
                    "max_length": q.max_length,
                    "when": None
                    if q.when is None
                    else {"question": q.when.question, "answers": sorted(q.when.answers)},
                }
                for q in self.questions
            ],
        }


class DefinitionError(Exception):
    """One or more problems in questionnaire definitions."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false, so answer ids such as yes, no, on and off stay text."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@cache
def _validator() -> Draft202012Validator:
    schema_path = Path(__file__).with_name("schema") / "questionnaire.schema.json"
    return Draft202012Validator(json.loads(schema_path.read_text()))


class _Lines:
    """Maps a path inside the parsed YAML document to the line it came from."""

    def __init__(self, node: yaml.Node | None):
        self.root = node

    def line(self, path: Iterable) -> int:
        node = self.root
        line = 1 if node is None else node.start_mark.line + 1
        for step in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == step), None)
                if child is None:
                    break
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                if step >= len(node.value):
                    break
                child = node.value[step]
            else:
                break
            node = child
            line = node.start_mark.line + 1
        return line


def _format_path(path: Iterable) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "(document)"


def parse(text: str, source: str = "<string>") -> Questionnaire:
    """Parse and validate one definition; raise DefinitionError listing every problem."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        # _Loader is a SafeLoader subclass: it builds plain data only.
        data = yaml.load(text, Loader=_Loader)  # noqa: S506  # nosec B506
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(error, "problem", None) or str(error)
        raise DefinitionError([f"{source}:{line}: (document): not valid YAML: {problem}"]) from None
    lines = _Lines(node)
    problems = []

    def report(path: list, message: str) -> None:
        problems.append(f"{source}:{lines.line(path)}: {_format_path(path)}: {message}")

    schema_errors = sorted(
        _validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))
    )
    for invalid in schema_errors:
        report(list(invalid.absolute_path), invalid.message)
    if problems:
        raise DefinitionError(problems)

    questionnaire = _build(data, source)
    _check_rules(questionnaire, data, report)
    if problems:
        raise DefinitionError(problems)
    return questionnaire


def _usual_symbol(option: Mapping, children: bool) -> str | None:
    """On a children's questionnaire "Yes" is a tick and "No" a cross wherever they answer,
    in a yes/no question or among other answers."""
    key = option["id"]
    return YES_NO_SYMBOLS.get(key) if children and YES_NO_TEXT.get(key) == option["text"] else None


def with_dont_want_to_say(options: tuple[Option, ...], children: bool) -> tuple[Option, ...]:
    """A choice question's answers and "I don't want to say" after them. Its symbol: for
    staff only where every other answer has one; for children wherever another answer has
    one, so the same answer looks the same on every screen."""
    pictured = [o.symbol for o in options]
    symbol = "question" if any(pictured) and (children or all(pictured)) else None
    return (*options, Option(DONT_WANT_TO_SAY, DONT_WANT_TO_SAY_TEXT, symbol))


def _build(data: Mapping, source: str) -> Questionnaire:
    sections = []
    for section in data["sections"]:
        questions = []
        for raw in section["questions"]:
            children = data["audience"] == "children"
            raw_options = raw.get("options", ())
            if raw["type"] == "yes_no":
                raw_options = [{"id": key, "text": text} for key, text in YES_NO_TEXT.items()]
            options = tuple(
                Option(
                    o["id"],
                    o["text"],
                    o.get("symbol") or _usual_symbol(o, children),
                    frozenset(o.get("merges", ())),
                )
                for o in raw_options
            )
            if raw["type"] in CHOICE_TYPES and "options_from" not in raw:
                options = with_dont_want_to_say(options, children)
            when = raw.get("when")
            questions.append(
                Question(
                    id=raw["id"],
                    type=raw["type"],
                    area=raw["area"],
                    text=raw["text"],
                    section=section["id"],
                    hint=raw.get("hint"),
                    options=options,
                    background=raw.get("background", False),
                    positive=frozenset(raw.get("positive", ())),
                    when=Routing(when["question"], frozenset(when["answers"])) if when else None,
                    pair=raw.get("pair"),
                    max_length=raw.get("max_length"),
                    not_applicable=frozenset(raw.get("not_applicable", ())),
                    disclosures=dict(raw.get("disclosures", {})),
                    period=raw.get("period"),
                    offered={kind: tuple(ids) for kind, ids in raw.get("offered", {}).items()},
                    options_from=raw.get("options_from"),
                )
            )
        sections.append(Section(section["id"], section["title"], tuple(questions)))
    return Questionnaire(
        id=data["id"],
        version=data["version"],
        audience=data["audience"],
        title=data["title"],
        establishment_types=tuple(data["establishment_types"]),
        sections=tuple(sections),
        introduction=data.get("introduction"),
        source=source,
    )


def _check_rules(questionnaire: Questionnaire, data: Mapping, report) -> None:
    seen: dict[str, Question] = {}
    section_ids: set[str] = set()
    for s_index, section in enumerate(questionnaire.sections):
        if section.id in section_ids:
            report(["sections", s_index, "id"], f"section id {section.id!r} is used twice")
        section_ids.add(section.id)
        for q_index, question in enumerate(section.questions):
            here = ["sections", s_index, "questions", q_index]
            if question.id in seen:
                report([*here, "id"], f"question id {question.id!r} is used twice")
            if question.id in RESERVED_IDS:
                report([*here, "id"], f"question id {question.id!r} is reserved")
            raw_options = data["sections"][s_index]["questions"][q_index].get("options", [])
            option_ids = [o["id"] for o in raw_options]
            for o_index, option_id in enumerate(option_ids):
                if option_ids.index(option_id) != o_index:
                    report(
                        [*here, "options", o_index, "id"], f"option id {option_id!r} is used twice"
                    )
                if option_id == DONT_WANT_TO_SAY:
                    report(
                        [*here, "options", o_index, "id"],
                        '"I don\'t want to say" is added to every choice question; do not list it',
                    )
            if (
                questionnaire.audience == "children"
                and question.type == "scale"
                and any(not o.get("symbol") for o in raw_options)
            ):
                report([*here, "options"], "every point of a children's scale needs a symbol")
            for answer in sorted(question.positive - set(question.option_ids)):
                report([*here, "positive"], f"positive answer {answer!r} is not an option")
            if DONT_WANT_TO_SAY in question.positive:
                report([*here, "positive"], '"I don\'t want to say" cannot be a positive outcome')
            _check_answer_roles(question, here, report)
            _check_bands(questionnaire, question, here, report)
            if question.when is not None:
                target = seen.get(question.when.question)
                if target is None:
                    report(
                        [*here, "when", "question"],
                        f"routing refers to {question.when.question!r}, "
                        "which is not an earlier question",
                    )
                elif not target.is_choice:
                    report([*here, "when", "question"], "routing must depend on a choice question")
                elif _tailorable(target):
                    report(
                        [*here, "when", "question"],
                        "routing cannot depend on a question whose answers depend on the "
                        "establishment (offered, merges or options_from)",
                    )
                else:
                    for answer in sorted(question.when.answers - set(target.option_ids)):
                        report(
                            [*here, "when", "answers"],
                            f"{answer!r} is not an answer of {target.id!r}",
                        )
            seen[question.id] = question


def _tailorable(question: Question) -> bool:
    """Whether what a question offers depends on the establishment."""
    return bool(
        question.offered or question.options_from or any(o.merges for o in question.options)
    )


def _check_bands(questionnaire: Questionnaire, question: Question, here: list, report) -> None:
    """Bands offered per establishment type, merged bands and answers from the units: only
    for background questions with one answer; every id named is an answer, a merged band
    merges at least two finer answers, and no answer is offered twice over in one type."""
    if not _tailorable(question):
        return
    if not question.background or question.type != "single":
        report(
            here,
            "offered, merges and options_from are for background questions of type single",
        )
        return
    options = {o.id: o for o in question.options if o.id != DONT_WANT_TO_SAY}
    for o_index, option in enumerate(o for o in question.options if o.id != DONT_WANT_TO_SAY):
        where = [*here, "options", o_index, "merges"]
        for finer in sorted(option.merges):
            if finer not in options:
                report(where, f"merged answer {finer!r} is not an option")
            elif options[finer].merges:
                report(where, f"{finer!r} is itself a merged band; merge the finer answers")
        if option.merges and len(option.merges & (options.keys() - {option.id})) < 2:
            report(where, "a merged band merges at least two other answers")
        if option.merges and option.id in question.positive | question.not_applicable:
            report(where, "a merged band cannot be a positive or not-applicable answer")
    for kind, ids in question.offered.items():
        where = [*here, "offered", kind]
        if kind not in questionnaire.establishment_types:
            report(where, f"{kind!r} is not one of this questionnaire's establishment types")
        covered: dict[str, str] = {}
        for option_id in ids:
            if option_id not in options:
                report(where, f"offered answer {option_id!r} is not an option")
                continue
            for finer in sorted(options[option_id].finer):
                if finer in covered:
                    report(
                        where,
                        f"{option_id!r} and {covered[finer]!r} both cover {finer!r}; "
                        "offer bands that cover distinct answers",
                    )
                covered[finer] = option_id
    default = question.offered_ids("")
    if (
        question.options_from is None
        and any(o.merges for o in options.values())
        and not any(
            options[i].merges for ids in question.offered.values() for i in ids if i in options
        )
    ):
        report([*here, "offered"], "merged bands are listed but offered in no establishment type")
    if (
        question.options_from is None
        and len(default) < 2
        and set(questionnaire.establishment_types) - set(question.offered)
    ):
        report(here, "a type not named in offered needs at least two finer answers")


def _check_answer_roles(question: Question, here: list, report) -> None:
    """Not-applicable and disclosing answers must be answers, and not-applicable ones
    can be neither a good outcome nor "I don't want to say"."""
    options = set(question.option_ids)
    for answer in sorted(question.not_applicable - options):
        report([*here, "not_applicable"], f"not-applicable answer {answer!r} is not an option")
    for answer in sorted(question.not_applicable & (question.positive | {DONT_WANT_TO_SAY})):
        also = "a positive outcome" if answer in question.positive else "counted in the base"
        report([*here, "not_applicable"], f"{answer!r} cannot be both not applicable and {also}")
    for answer in sorted(set(question.disclosures) - options):
        report([*here, "disclosures"], f"disclosing answer {answer!r} is not an option")
    if DONT_WANT_TO_SAY in question.disclosures:
        report([*here, "disclosures"], '"I don\'t want to say" cannot be a disclosure')


def check_versions(questionnaires: Iterable[Questionnaire]) -> list[str]:
    """A question id must keep its meaning in every version of a questionnaire."""
    problems = []
    by_id: dict[str, list[Questionnaire]] = {}
    for questionnaire in questionnaires:
        by_id.setdefault(questionnaire.id, []).append(questionnaire)
    for versions in by_id.values():
        versions.sort(key=lambda q: q.version)
        first_seen: dict[str, tuple[Questionnaire, Question]] = {}
        bands_seen: dict[tuple[str, str], tuple[int, frozenset[str]]] = {}
        for questionnaire in versions:
            for question in questionnaire.questions:
                for option in question.options:
                    band = bands_seen.setdefault(
                        (question.id, option.id), (questionnaire.version, option.merges)
                    )
                    if band[1] != option.merges:
                        problems.append(
                            f"{questionnaire.source}:1: {question.id}: answer {option.id!r} "
                            f"merges other answers than in version {band[0]}; "
                            "give the changed band a new id"
                        )
                earlier = first_seen.get(question.id)
                if earlier is None:
                    first_seen[question.id] = (questionnaire, question)
                elif earlier[1].meaning() != question.meaning():
                    problems.append(
                        f"{questionnaire.source}:1: {question.id}: changes the meaning of "
                        f"question {question.id!r} from version {earlier[0].version} "
                        f"(type, options, positive answers or routing differ); "
                        "give the changed question a new id"
                    )
    return problems


def load_directory(directory: str | Path) -> dict[tuple[str, int], Questionnaire]:
    """Load every definition in ``directory``; raise DefinitionError with all problems."""
    directory = Path(directory)
    problems: list[str] = []
    loaded: dict[tuple[str, int], Questionnaire] = {}
    paths = sorted(directory.glob(FILE_PATTERN))
    if not paths:
        raise DefinitionError([f"{directory}: no questionnaire files ({FILE_PATTERN})"])
    for path in paths:
        name = path.name
        try:
            questionnaire = parse(path.read_text(encoding="utf-8"), name)
        except DefinitionError as error:
            problems.extend(error.problems)
            continue
        expected = f"{questionnaire.id}.v{questionnaire.version}.yaml"
        if name != expected:
            problems.append(f"{name}:1: (document): file should be named {expected}")
        if (questionnaire.id, questionnaire.version) in loaded:
            problems.append(f"{name}:1: (document): {questionnaire.key} is defined twice")
        loaded[(questionnaire.id, questionnaire.version)] = questionnaire
    problems.extend(check_versions(loaded.values()))
    _check_pairs(loaded, problems)
    if problems:
        raise DefinitionError(problems)
    return loaded


def _check_pairs(loaded: Mapping[tuple[str, int], Questionnaire], problems: list[str]) -> None:
    """A pair joins questions of two audiences that point at each other."""
    questions = {
        (q.id, question.id): (q, question) for q in loaded.values() for question in q.questions
    }
    for questionnaire in loaded.values():
        for question in questionnaire.questions:
            if not question.pair:
                continue
            where = f"{questionnaire.source}:1: {question.id}.pair"
            other_id, other_question_id = question.pair.split("/", 1)
            target = questions.get((other_id, other_question_id))
            if target is None:
                problems.append(
                    f"{where}: {question.pair!r} is not a question of another questionnaire"
                )
            elif target[0].audience == questionnaire.audience:
                problems.append(
                    f"{where}: {question.pair!r} asks the same audience; pair across audiences"
                )
            elif target[1].pair != f"{questionnaire.id}/{question.id}":
                back = f"{questionnaire.id}/{question.id}"
                problems.append(f"{where}: {question.pair!r} must pair back with pair: {back}")


def newest(loaded: Iterable[Questionnaire]) -> dict[str, Questionnaire]:
    """The newest version of each questionnaire id."""
    found: dict[str, Questionnaire] = {}
    for questionnaire in loaded:
        known = found.get(questionnaire.id)
        if known is None or questionnaire.version > known.version:
            found[questionnaire.id] = questionnaire
    return found


def current_problems(loaded: Iterable[Questionnaire]) -> list[str]:
    """What the newest version of every questionnaire must hold beyond loading: every
    experience question names its period and its hint states it, and the two questions
    of a pair ask about the same period and the same respondents (if one sets some aside,
    by routing or a not-applicable answer, so must the other). Older versions are exempt:
    they stay readable for the inspections that used them; so is a questionnaire that
    states no period at all (a test fixture), since it measures no change."""
    problems = []
    latest = newest(loaded)
    for questionnaire in sorted(latest.values(), key=lambda q: q.key):
        if not any(q.period for q in questionnaire.questions):
            continue
        for question in questionnaire.questions:
            where = f"{questionnaire.source}:1: {question.id}"
            if not question.is_experience:
                continue
            if question.period is None:
                problems.append(f"{where}.period: an experience question must state its period")
                continue
            words = PERIOD_WORDS[question.period]
            if not any(w in (question.hint or "").lower() for w in words):
                problems.append(
                    f"{where}.hint: must state the period {question.period!r} (say {words[0]!r})"
                )
            if not question.pair:
                continue
            other_id, other_question_id = question.pair.split("/", 1)
            other_questionnaire = latest.get(other_id)
            if other_questionnaire is None:
                continue
            target = next(
                (q for q in other_questionnaire.questions if q.id == other_question_id), None
            )
            if target is None:
                problems.append(
                    f"{where}.pair: {question.pair!r} is not in the newest version "
                    f"{other_questionnaire.key}"
                )
                continue
            if target.period != question.period:
                problems.append(
                    f"{where}.pair: asks about {question.period!r} but {question.pair} "
                    f"asks about {target.period!r}; a pair must ask about the same period"
                )

            def sets_aside(q: Question) -> bool:
                return q.when is not None or bool(q.not_applicable)

            if sets_aside(question) != sets_aside(target):
                problems.append(
                    f"{where}.pair: only one of the pair sets aside those it does not apply "
                    f"to (routing or a not-applicable answer); {question.pair} must count "
                    "the same respondents"
                )
    return problems


class BrokenLibrary:
    """Stands in when the definitions do not load: every use repeats the problems."""

    def __init__(self, error: DefinitionError):
        self.error = error

    def __getattr__(self, name):
        raise self.error


class Library:
    """All loaded questionnaires, with the lookups the app needs."""

    def __init__(self, questionnaires: Mapping[tuple[str, int], Questionnaire]):
        self._all = dict(questionnaires)

    @classmethod
    def from_directory(cls, directory: str | Path) -> Library:
        return cls(load_directory(directory))

    def __iter__(self):
        return iter(sorted(self._all.values(), key=lambda q: (q.id, q.version)))

    def get(self, questionnaire_id: str, version: int) -> Questionnaire | None:
        return self._all.get((questionnaire_id, version))

    def audience(self, questionnaire_id: str) -> str | None:
        return next((q.audience for q in self._all.values() if q.id == questionnaire_id), None)

    def serves_everyone(self) -> bool:
        """Whether there is a questionnaire for children and one for staff."""
        audiences = {q.audience for q in self._all.values()}
        return {"children", "staff"} <= audiences

    def largest_submission_bytes(self) -> int:
        """The most a browser can honestly send for any questionnaire, form-encoded.

        Every text answer at its ``max_length`` in characters that take 4 bytes in UTF-8
        and 3 characters a byte once percent-encoded, plus room for every choice.
        """
        largest = 0
        for questionnaire in self._all.values():
            size = 0
            for question in questionnaire.questions:
                if question.type == "text":
                    size += len(question.id) + 2 + 12 * (question.max_length or 0)
                elif question.options_from:  # one answer, with an id given by its source
                    size += len(question.id) + LONGEST_SOURCED_OPTION_ID + 3
                else:
                    size += sum(len(question.id) + len(o.id) + 3 for o in question.options)
            largest = max(largest, size)
        return largest

    def current(self, audience: str, establishment_type: str) -> Questionnaire | None:
        """The newest version of the questionnaire for this audience and setting."""
        candidates = [
            q
            for q in self._all.values()
            if q.audience == audience and establishment_type in q.establishment_types
        ]
        return max(candidates, key=lambda q: (q.version, q.id), default=None)
