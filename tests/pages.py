"""Checks that every HTML page must pass, used by the test client on every fetch.

Valid HTML (html5lib, strict), a non-empty title, exactly one h1, no duplicate
ids, every visible form field labelled, every radio and checkbox inside a
fieldset with a legend, and no inline script or style (the CSP forbids them).
"""

from __future__ import annotations

import html5lib
from html5lib.constants import namespaces

XHTML = "{" + namespaces["html"] + "}"
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class PageProblem(AssertionError):
    pass


def _tag(element) -> str:
    return element.tag.replace(XHTML, "")


def parse(html: str):
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    try:
        return parser.parse(html)
    except html5lib.html5parser.ParseError as error:
        line = parser.errors[0][0][0] if parser.errors else "?"
        raise PageProblem(f"invalid HTML near line {line}: {error}") from None


def check(html: str) -> None:
    document = parse(html)
    elements = list(document.iter())
    by_tag: dict[str, list] = {}
    for element in elements:
        if isinstance(element.tag, str):
            by_tag.setdefault(_tag(element), []).append(element)

    titles = by_tag.get("title", [])
    if len(titles) != 1 or not (titles[0].text or "").strip():
        raise PageProblem("page needs exactly one non-empty <title>")
    h1s = by_tag.get("h1", [])
    if len(h1s) != 1:
        raise PageProblem(f"page has {len(h1s)} <h1> elements, needs exactly one")
    html_element = document if _tag(document) == "html" else by_tag["html"][0]
    if not html_element.get("lang"):
        raise PageProblem("<html> needs a lang attribute")

    ids = [
        element.get("id")
        for element in elements
        if isinstance(element.tag, str) and element.get("id")
    ]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise PageProblem(f"duplicate ids: {', '.join(duplicates)}")

    for script in by_tag.get("script", []):
        if not script.get("src") or (script.text or "").strip():
            raise PageProblem("inline script is not allowed")
    if by_tag.get("style") or any(
        isinstance(e.tag, str) and e.get("style") is not None for e in elements
    ):
        raise PageProblem("inline style is not allowed")

    label_targets = {label.get("for") for label in by_tag.get("label", [])}
    parents = {child: parent for parent in elements for child in parent}
    for tag in ("input", "select", "textarea"):
        for field in by_tag.get(tag, []):
            kind = (field.get("type") or "text").lower()
            if tag == "input" and kind in UNLABELLED_TYPES:
                continue
            if field.get("id") not in label_targets and not field.get("aria-label"):
                raise PageProblem(f"<{tag} name={field.get('name')!r}> has no label")
            if kind in {"radio", "checkbox"}:
                _check_in_fieldset(field, parents)


def _check_in_fieldset(field, parents) -> None:
    node = field
    while node in parents:
        node = parents[node]
        if _tag(node) == "fieldset":
            if not any(_tag(child) == "legend" for child in node if isinstance(child.tag, str)):
                raise PageProblem(f"fieldset around {field.get('name')!r} has no legend")
            return
    raise PageProblem(f"choice {field.get('name')!r} is not inside a fieldset")
