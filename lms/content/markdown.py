"""Lesson Markdown → safe HTML, with markdown-it-py (CommonMark) and nh3 (the ammonia sanitiser).

Lesson links (``lesson:<id>``) become relative links to the sibling lesson page and images
(``images/x.png``) relative links to the course's media route, so the stored HTML does not
depend on the host or on where the app is mounted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote",
    "a", "img", "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "sub", "sup",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "loading"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
}
LESSON_SCHEME = "lesson:"
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>|<!--", re.S)
_ATTRIBUTE = re.compile(r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*(?:=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?")


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
        "table"
    )


@dataclass(frozen=True)
class Reference:
    """A link or image found in a lesson, with the line it is on (1-based, within the file)."""

    kind: str  # "lesson", "image", "link"
    target: str
    line: int
    alt: str = ""


@dataclass(frozen=True)
class RawHtml:
    line: int
    fragment: str
    reason: str


def split_title(source: str) -> tuple[str | None, str, int]:
    """(title, body, line offset of the body): the first line must be ``# Title``."""
    first, _, rest = source.partition("\n")
    match = re.match(r"#\s+(.+?)\s*#*\s*$", first.strip())
    if not match:
        return None, source, 0
    return match.group(1).strip(), rest, 1


def _walk(tokens: list[Token], line_offset: int) -> Iterator[tuple[Token, int]]:
    """Every token with the 1-based file line it starts on (inline children take their block's)."""
    for token in tokens:
        line = (token.map[0] if token.map else 0) + 1 + line_offset
        yield token, line
        for child in token.children or ():
            yield child, line


def inspect(body: str, line_offset: int = 0) -> tuple[list[Reference], list[RawHtml]]:
    """Links, images and raw HTML the sanitiser would strip, for the course checker."""
    references: list[Reference] = []
    raw: list[RawHtml] = []
    for token, line in _walk(_parser().parse(body), line_offset):
        if token.type == "link_open":
            href = str(token.attrs.get("href", ""))
            kind = "lesson" if href.startswith(LESSON_SCHEME) else "link"
            references.append(Reference(kind, href.removeprefix(LESSON_SCHEME), line))
        elif token.type == "image":
            references.append(Reference("image", str(token.attrs.get("src", "")), line,
                                        alt=token.content))
        elif token.type in ("html_block", "html_inline"):
            raw.extend(_stripped_parts(token.content, line))
    return references, raw


def _stripped_parts(fragment: str, line: int) -> list[RawHtml]:
    problems = []
    for match in _TAG.finditer(fragment):
        here = line + fragment.count("\n", 0, match.start())
        if match.group(0) == "<!--":
            problems.append(RawHtml(here, "<!--", "comment"))
            continue
        if match.group(1):  # closing tags: the opening one was reported already
            continue
        tag = match.group(2).lower()
        if tag not in ALLOWED_TAGS:
            problems.append(RawHtml(here, f"<{tag}>", "tag"))
            continue
        for attribute in _ATTRIBUTE.findall(match.group(3)):
            name = attribute.lower().rstrip("/")
            if name and name not in ALLOWED_ATTRIBUTES.get(tag, set()):
                problems.append(RawHtml(here, f"<{tag} {name}=…>", "attribute"))
    return problems


def render_lesson(body: str) -> str:
    """Sanitised HTML for a lesson body (without its title line)."""
    parser = _parser()
    tokens = parser.parse(body)
    for token, _line in _walk(tokens, 0):
        if token.type == "link_open":
            href = str(token.attrs.get("href", ""))
            if href.startswith(LESSON_SCHEME):
                token.attrs["href"] = href.removeprefix(LESSON_SCHEME)
        elif token.type == "image":
            token.attrs["src"] = "../media/" + str(token.attrs.get("src", "")).lstrip("./")
            token.attrs["loading"] = "lazy"
        elif token.type == "heading_open" and token.tag == "h1":
            token.tag = "h2"  # the page's own title is the only h1
        elif token.type == "heading_close" and token.tag == "h1":
            token.tag = "h2"
    html = parser.renderer.render(tokens, parser.options, {})
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def word_count(body: str) -> int:
    return len(re.findall(r"\w+", body))
