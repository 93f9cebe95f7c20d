"""Reads Cython and C source into tokens, statements, imports and extern blocks, for the
purity guard (``test_purity.py``): ``ast`` cannot parse Cython.

Comments are dropped and string literals kept whole, so nothing in either is read as
code. A number is read as C reads one, from its first digit to its last suffix:
``0x9E37ULL`` is one int, ``2.5e-3`` one float. A Cython statement ends at a newline
outside brackets or at ``;``. The string that opens a ``cdef extern from`` block is C
that Cython pastes into the module, so it is read as C, ``#include`` lines and all.
Not read: the expressions inside f-strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

# C's preprocessing number: digits, letters and dots, with a sign only after an exponent.
_NUMBER = r"\.?\d(?:[eEpP][+-]|[\w.])*"
_NAME = r"[^\W\d]\w*"
_CYTHON = re.compile(
    rf"""(?P<space>[ \t\f\r]+|\\\r?\n|\#[^\n]*)
    | (?P<newline>\n)
    | (?P<string>[rRbBuUfF]{{0,2}}(?:'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))
    | (?P<number>{_NUMBER})
    | (?P<name>{_NAME})
    | (?P<op>//=?|/=?|\S)""",
    re.VERBOSE,
)
_C = re.compile(
    rf"""(?P<space>\s+|\\\n|//[^\n]*|/\*[\s\S]*?\*/)
    | (?P<include>\#\s*include\s*[<"](?P<header>[^>"\n]*)[>"])
    | (?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
    | (?P<number>{_NUMBER})
    | (?P<name>{_NAME})
    | (?P<op>\S)""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # name, number, string, op; newline (Cython: a statement's end); include (C: its header)
    text: str
    line: int


@dataclass(frozen=True)
class Import:
    """One ``import``, ``cimport``, ``from ... import`` or ``from ... cimport`` statement."""

    level: int  # leading dots of a relative module
    module: str  # dotted, without those dots
    names: tuple[str, ...]  # what a ``from`` form names; empty for ``(c)import module``
    cimport: bool
    line: int


@dataclass(frozen=True)
class ExternBlock:
    """A ``cdef extern from`` block: its header (``*`` for none) and the C it opens with."""

    header: str
    line: int
    c_code: list[Token] | None


def tokens(source: str, *, c: bool = False, line: int = 1) -> list[Token]:
    """The tokens of Cython source, or of C source with ``c``; ``line`` numbers the first line."""
    found = []
    depth = 0
    for match in (_C if c else _CYTHON).finditer(source):
        kind, text = match.lastgroup, match.group()
        if kind == "op":
            depth = max(0, depth + (text in "([{") - (text in ")]}"))
        if kind == "include":
            found.append(Token(kind, match.group("header"), line))
        elif kind != "space" and not (kind == "newline" and depth):
            found.append(Token(kind, text, line))
        line += text.count("\n")
    return found


def string_value(literal: str) -> str:
    """The text between a string literal's quotes, escapes left as written."""
    body = literal.lstrip("rRbBuUfF")
    quotes = 3 if body[:3] in ('"""', "'''") else 1
    return body[quotes:-quotes]


def statements(code: list[Token]) -> list[list[Token]]:
    """Cython tokens split into statements."""
    found: list[list[Token]] = [[]]
    for token in code:
        if token.kind == "newline" or (token.kind == "op" and token.text == ";"):
            found.append([])
        else:
            found[-1].append(token)
    return [statement for statement in found if statement]


def imports(statement: list[Token]) -> list[Import]:
    """The modules a statement imports or cimports, also behind ``if ...:`` on its line."""
    texts = [token.text for token in statement]
    at = next((i for i, t in enumerate(statement) if t.kind == "name" and t.text in ("import", "cimport")), None)
    if at is None:
        return []
    cimport, line = texts[at] == "cimport", statement[at].line
    start = at
    while start and (texts[start - 1] == "." or (statement[start - 1].kind == "name" and texts[start - 1] != "from")):
        start -= 1
    if start and texts[start - 1] == "from":
        dotted = "".join(texts[start:at])
        module = dotted.lstrip(".")
        return [Import(len(dotted) - len(module), module, _named(statement[at + 1 :]), cimport, line)]
    groups: list[list[str]] = [[]]
    for text in texts[at + 1 :]:
        if text == ",":
            groups.append([])
        else:
            groups[-1].append(text)
    return [
        Import(0, "".join(group[: group.index("as")] if "as" in group else group), (), cimport, line)
        for group in groups
    ]


def _named(rest: list[Token]) -> tuple[str, ...]:
    """The names after ``import``/``cimport`` in a ``from`` form, without their aliases."""
    names = []
    for previous, token in pairwise([None, *rest]):
        aliased = previous is not None and previous.text == "as"
        if (token.kind == "name" and token.text != "as" and not aliased) or token.text == "*":
            names.append(token.text)
    return tuple(names)


def extern_blocks(parts: list[list[Token]]) -> list[ExternBlock]:
    """Every ``cdef extern from`` block of a Cython module's statements."""
    found = []
    for index, statement in enumerate(parts):
        texts = [token.text for token in statement]
        for at in range(len(statement) - 2):
            if texts[at : at + 2] != ["extern", "from"]:
                continue
            source = statement[at + 2]
            header = string_value(source.text) if source.kind == "string" else source.text
            # The block's body starts after its colon: on the same line, else the next statement.
            body = statement[texts.index(":", at) + 1 :] if ":" in texts[at:] else []
            if not body and index + 1 < len(parts):
                body = parts[index + 1]
            opening = body[0] if body and body[0].kind == "string" else None
            c_code = None if opening is None else tokens(string_value(opening.text), c=True, line=opening.line)
            found.append(ExternBlock(header, source.line, c_code))
    return found
