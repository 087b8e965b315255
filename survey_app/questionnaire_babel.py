"""A Babel extractor for questionnaire definitions, so one ``pybabel extract`` serves
interface text and questionnaire text alike (registered in pyproject.toml).

Every ``title``, ``introduction``, ``text`` and ``hint`` becomes a message, with
the questionnaire and question id as a translator comment.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from .questionnaire import _Loader

TRANSLATABLE = ("title", "introduction", "text", "hint")


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


def extract(fileobj, keywords, comment_tags, options):
    """Babel extractor entry point: yields (line, function, message, comments)."""
    node = yaml.compose(fileobj.read().decode(options.get("encoding", "utf-8")), Loader=_Loader)
    if node is None:
        return
    for line, message, comments in _walk(node, []):
        yield line, None, message, comments
