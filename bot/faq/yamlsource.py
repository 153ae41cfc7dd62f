"""YAML loading that remembers where every value came from.

Content authors edit YAML by hand; an error that says "line 212, field
entries[4].answer" saves them a hunt. PyYAML's node tree carries marks, so we
build plain Python values alongside a map from value path to line number.
The tree comes from libyaml's C parser where PyYAML has it (several times
faster on a FAQ of thousands of entries) and is dropped after each load.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class ContentError(Exception):
    """Content is invalid; the message names file, line and field."""

    def __init__(self, path: str, line: int, field_name: str, message: str) -> None:
        self.path = path
        self.line = line
        self.field_name = field_name
        self.message = message
        super().__init__(f"{path}:{line}: {field_name}: {message}")


@dataclass
class Located:
    """A parsed YAML document plus the line of every value, keyed by path."""

    path: str
    data: Any
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, where: str) -> int:
        """Line of `where`, or of its closest located parent."""
        probe = where
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return 1

    def error(self, where: str, message: str) -> ContentError:
        return ContentError(self.path, self.line(where), where or "<document>", message)


MAX_SHORT_TEXT = 600  # the longest text a YAML field may hold unless it says otherwise


class Reader:
    """Typed field access over a located document, raising ContentError with its line."""

    def __init__(self, doc: Located) -> None:
        self.doc = doc

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.doc.error(where, "must be a mapping (key: value)")
        return value

    def field(self, parent: dict[str, Any], key: str, where: str) -> Any:
        if key not in parent or parent[key] is None:
            raise self.doc.error(where, f"missing required field '{key}'")
        return parent[key]

    def text(self, value: Any, where: str, limit: int = MAX_SHORT_TEXT) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.doc.error(where, "must be text")
        text = " ".join(str(value).split())
        if not text:
            raise self.doc.error(where, "must not be empty")
        if len(text) > limit:
            raise self.doc.error(where, f"is {len(text)} characters; the limit is {limit}")
        return text

    def texts(
        self, value: Any, where: str, *, allow_empty: bool = False, limit: int = MAX_SHORT_TEXT
    ) -> tuple[str, ...]:
        if value is None and allow_empty:
            return ()
        if not isinstance(value, list):
            raise self.doc.error(where, "must be a list")
        if not value and not allow_empty:
            raise self.doc.error(where, "must not be empty")
        out = tuple(self.text(v, f"{where}[{i}]", limit) for i, v in enumerate(value))
        seen: set[str] = set()
        for i, item in enumerate(out):
            if item.lower() in seen:
                raise self.doc.error(f"{where}[{i}]", f"duplicate item '{item}'")
            seen.add(item.lower())
        return out

    def flag(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.doc.error(where, "must be true or false")
        return value

    def records(self, value: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
        """A non-empty list of mappings, each with its location for error messages."""
        if not isinstance(value, list) or not value:
            raise self.doc.error(where, "must be a non-empty list")
        return [(f"{where}[{i}]", self.mapping(v, f"{where}[{i}]")) for i, v in enumerate(value)]


# libyaml's parser when PyYAML was built with it, else PyYAML's own (same nodes, same marks).
_LOADER: type[yaml.SafeLoader | yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _build(
    node: yaml.Node, path: str, doc: Located, src: str, scalars: yaml.constructor.SafeConstructor
) -> Any:
    """Plain values from one node tree; `scalars` is this load's own (it remembers every node)."""
    doc.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ContentError(
                    src, key_node.start_mark.line + 1, path, "keys must be plain text"
                )
            key = str(key_node.value)
            sub = _child(path, key)
            if key in out:
                raise ContentError(src, key_node.start_mark.line + 1, sub, "duplicate key")
            out[key] = _build(value_node, sub, doc, src, scalars)
            doc.lines[sub] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, _child(path, i), doc, src, scalars) for i, item in enumerate(node.value)
        ]
    if node.tag == _STR_TAG:
        return node.value  # most scalars: text needs no constructor
    return scalars.construct_object(node)  # PyYAML resolves int, bool, null


def load_located(path: Path) -> Located:
    """Parse `path`; raise ContentError (with line) on unreadable or malformed YAML."""
    src = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError(src, 1, "<file>", f"cannot read file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ContentError(src, 1, "<file>", "file is not valid UTF-8") from None
    with _collector_paused():
        return _parse(text, src)  # the node tree is freed on return, collector still paused


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        if _LOADER is yaml.SafeLoader:
            raise
    # Same line, but libyaml words it tersely ("found character that cannot start
    # any token"); PyYAML's own parser names the culprit (a tab). Only on errors.
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _parse(text: str, src: str) -> Located:
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ContentError(src, line, "<yaml>", f"invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ContentError(src, 1, "<yaml>", f"invalid YAML: {exc}") from None
    doc = Located(path=src, data=None)
    if node is None:
        raise ContentError(src, 1, "<document>", "file is empty")
    doc.data = _build(node, "", doc, src, yaml.constructor.SafeConstructor())
    return doc


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cycle collection while a node tree is built and read.

    The tree is a few objects per scalar, all alive until the load ends, so the
    collector would walk the growing pile again and again: two thirds of the
    load time on a FAQ of 2,000 entries. Reference counting frees the tree
    when the load ends (it has no cycles), and collection resumes as it was.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
