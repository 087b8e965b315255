"""A Babel extractor for questionnaire definitions, so one ``pybabel extract`` serves
interface text and questionnaire text alike (registered in pyproject.toml).

Every ``title``, ``introduction``, ``text`` and ``hint`` becomes a message, with
the questionnaire and question id as a translator comment. Staff text carries the
context ``staff`` (``msgctxt``): languages that speak to children and to adults
differently (Welsh ti/chi, Polish ty/Państwo, Romanian tu/dumneavoastră, Arabic)
translate the two registers apart, even for the same English words. The "Yes" and
"No" of a yes/no question carry the question as context
(``survey_app.questionnaire_text.yes_no_context``), so Welsh can answer with the
question's verb (Ydw, Oes, Do).
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from .questionnaire import YES_NO_TEXT, _Loader

TRANSLATABLE = ("title", "introduction", "text", "hint")
STAFF_CONTEXT = "staff"


def yes_no_context(question_text: str) -> str:
    """The context of the "Yes" and "No" that answer this question."""
    return f"answer to: {question_text}"


def _scalar(node: yaml.Node, key: str) -> str | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key and isinstance(v, yaml.ScalarNode):
                return v.value
    return None


def _walk(node: yaml.Node, trail: list[str]) -> Iterator[tuple[int, str, list[str]]]:
    if isinstance(node, yaml.MappingNode):
        ids = [v.value for k, v in node.value if k.value == "id" and isinstance(v, yaml.ScalarNode)]
        here = [*trail, ids[0]] if ids else trail
        for key, value in node.value:
            if key.value in TRANSLATABLE and isinstance(value, yaml.ScalarNode) and value.value:
                yield value.start_mark.line + 1, value.value, ["/".join(here) + f" ({key.value})"]
            else:
                yield from _walk(value, here)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item, trail)


def _yes_no_questions(node: yaml.Node) -> Iterator[tuple[int, str, str]]:
    """``(line, question id, question text)`` of every yes/no question."""
    if isinstance(node, yaml.MappingNode):
        text = _scalar(node, "text")
        if _scalar(node, "type") == "yes_no" and text:
            yield node.start_mark.line + 1, _scalar(node, "id") or "", text
        for _key, value in node.value:
            yield from _yes_no_questions(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _yes_no_questions(item)


def extract(fileobj, keywords, comment_tags, options):
    """Babel extractor entry point: yields (line, function, message, comments)."""
    node = yaml.compose(fileobj.read().decode(options.get("encoding", "utf-8")), Loader=_Loader)
    if node is None:
        return
    staff = _scalar(node, "audience") == "staff"
    questionnaire_id = _scalar(node, "id") or ""
    for line, message, comments in _walk(node, []):
        if staff:
            yield line, "pgettext", (STAFF_CONTEXT, message), comments
        else:
            yield line, None, message, comments
    for line, question_id, text in _yes_no_questions(node):
        for answer in YES_NO_TEXT.values():
            comment = f"{questionnaire_id}/{question_id} (answer {answer!r} to this question)"
            yield line, "pgettext", (yes_no_context(text), answer), [comment]
