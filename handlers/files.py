"""Read policy files (YAML), keeping the line of every key and list item for error messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from yaml.constructor import ConstructorError

from bot.file_checks import excerpt
from bot.policy import InvalidPolicy, Policy, PolicyError, parse_policy
from policies import PRESETS, preset_path

LineOf = Callable[[tuple[str | int, ...]], "int | None"]


class FileProblem(ValueError):
    """The file is not well-formed YAML (or repeats a key); `errors` say where, `source` names the file.

    Not tied to what the file is for: callers turn it into InvalidPolicy, InvalidDirectory, ...
    """

    def __init__(self, errors: list[PolicyError], source: str) -> None:
        self.errors = list(errors)
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(f"{self.source}, {e}" if e.line is not None else f"{self.source}: {e}" for e in self.errors)


MAX_BYTES = 2 * 1024 * 1024  # far more than any policy or directory needs
MAX_DEPTH = 50  # lists and settings inside each other
MAX_DIGITS = 30


class _Loader(yaml.SafeLoader):
    """SafeLoader that never crashes on a value: every bad one is a MarkedYAMLError with its line."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> object:
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError):
            value = node.value if isinstance(node, yaml.ScalarNode) else ""
            shown = f" '{excerpt(value)}'" if value else ""
            raise ConstructorError(
                None,
                None,
                f"the value{shown} can't be read as {_TAG_WORDS.get(node.tag, 'what its tag says')}",
                node.start_mark,
            ) from None


_TAG_WORDS = {
    "tag:yaml.org,2002:int": "a whole number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true or false",
    "tag:yaml.org,2002:binary": "base64 data",
}


def _int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    digits = sum(ch.isdigit() for ch in str(node.value))
    if digits > MAX_DIGITS:
        raise ConstructorError(
            None, None, f"this number has {digits} digits; no setting needs more than {MAX_DIGITS}", node.start_mark
        )
    return yaml.SafeLoader.construct_yaml_int(loader, node)  # type: ignore[arg-type]


# Nothing in a policy or a directory is a date: '2026-02-30' stays text, never a crash.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_constructor("tag:yaml.org,2002:int", _int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _shape_problems(text: str) -> list[PolicyError]:
    """Anchors and aliases (an alias bomb expands a small file into gigabytes) and nesting too deep."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return [
                PolicyError(
                    line, "Parley doesn't accept YAML anchors and aliases (& and *); write each value out in full"
                )
            ]
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return [
                    PolicyError(
                        line,
                        f"settings are nested more than {MAX_DEPTH} deep here; a policy or directory never needs that",
                    )
                ]
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return []


def load_yaml(text: str, filename: str) -> tuple[object, LineOf]:
    """The data in `text` and a line_of(path) for it; FileProblem (naming `filename`) if it isn't good YAML."""
    if len(text) > MAX_BYTES:
        raise FileProblem(
            [PolicyError(1, f"the file is {len(text)} characters long; at most {MAX_BYTES} are read")], filename
        )
    try:
        problems = _shape_problems(text)
        if problems:
            raise FileProblem(problems, filename)
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        raise FileProblem([_syntax_error(e)], filename) from None
    except yaml.YAMLError as e:  # not tied to a place in the file
        raise FileProblem([PolicyError(1, f"Parley can't read this file as YAML: {excerpt(e)}")], filename) from None
    lines, problems = _lines(root)
    if problems:
        raise FileProblem(problems, filename)
    return data, lines.get


def read_policy(name_or_path: str | Path) -> Policy:
    """A preset by name (see policies.PRESETS) or a .yaml file by path, checked; errors name the file."""
    if isinstance(name_or_path, str) and name_or_path in PRESETS:
        path = preset_path(name_or_path)
        shown = f"policies/{path.name}"
    else:
        path = Path(name_or_path)
        shown = str(path)
        if path.is_dir():
            raise InvalidPolicy([PolicyError(None, unreadable(IsADirectoryError(), "policy file"))], shown)
        if path.suffix.lower() not in (".yaml", ".yml"):
            raise InvalidPolicy(
                [
                    PolicyError(
                        None, f"'{excerpt(name_or_path)}' is neither a preset ({', '.join(PRESETS)}) nor a .yaml file"
                    )
                ],
                shown,
            )
    try:
        text = read_text(path)
    except OSError as e:
        raise InvalidPolicy([PolicyError(None, unreadable(e, "policy file"))], shown) from None
    except UnicodeDecodeError as e:
        raise InvalidPolicy([PolicyError(None, f"the file is not UTF-8 text ({e.reason})")], shown) from None
    try:
        data, line_of = load_yaml(text, shown)
        return parse_policy(data, line_of)
    except (FileProblem, InvalidPolicy) as e:
        raise InvalidPolicy(e.errors, shown) from None


def read_text(path: Path) -> str:
    """The file's text (a BOM from Windows editors dropped); OSError if it can't be read, UnicodeDecodeError."""
    if path.is_dir():
        raise IsADirectoryError(21, "is a folder", str(path))
    with path.open("rb") as f:
        data = f.read(MAX_BYTES + 1)
    return data.decode("utf-8-sig")


def unreadable(e: OSError, what: str) -> str:
    """Why a file couldn't be read, in words."""
    if isinstance(e, FileNotFoundError):
        return f"there is no {what} at this path"
    if isinstance(e, IsADirectoryError):
        return f"this is a folder; give the path of the {what} inside it"
    if isinstance(e, PermissionError):
        return f"Parley may not read this {what} (permission denied)"
    return f"the {what} can't be read ({e.strerror or type(e).__name__})"


def _syntax_error(e: yaml.MarkedYAMLError) -> PolicyError:
    mark = e.problem_mark or e.context_mark
    problem = e.problem or e.context or "this part can't be read"
    hint = "check the indentation, and put text containing ':' or '#' in quotes"
    if "\\t" in problem or "\t" in problem:
        hint = "use spaces, not tabs, to indent"
    if isinstance(e, ConstructorError):
        return PolicyError(mark.line + 1 if mark else 1, f"{excerpt(problem)}")
    return PolicyError(mark.line + 1 if mark else 1, f"Parley can't read this line as YAML: {excerpt(problem)}; {hint}")


def _lines(root: yaml.Node | None) -> tuple[dict[tuple[str | int, ...], int], list[PolicyError]]:
    """path -> 1-based line: a mapping key's own line, a list item's line; also any key given twice."""
    lines: dict[tuple[str | int, ...], int] = {}
    problems: list[PolicyError] = []
    seen: set[int] = set()  # aliases (&anchor / *alias) can make the same node appear twice

    def walk(node: yaml.Node, path: tuple[str | int, ...]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[object, int] = {}
            for key_node, value_node in node.value:
                key = _key(key_node)
                line = key_node.start_mark.line + 1
                if key in first:
                    # safe_load would quietly keep only the last one: almost always a mistake.
                    problems.append(
                        PolicyError(line, f"'{key}' appears twice here (also on line {first[key]}); keep only one")
                    )
                    continue
                first[key] = line
                lines[path + (key,)] = line
                walk(value_node, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for n, item in enumerate(node.value):
                lines[path + (n,)] = item.start_mark.line + 1
                walk(item, path + (n,))

    if root is not None:
        lines[()] = root.start_mark.line + 1
        walk(root, ())
    return lines, problems


def _key(node: yaml.Node) -> object:
    """The key as safe_load gives it (a str, or 1 for `1:`), so paths built from the data find their lines."""
    if not isinstance(node, yaml.ScalarNode):
        return id(node)  # never reached: safe_load has already refused a list or mapping used as a key
    loader = _Loader("")
    try:
        return loader.construct_object(node)
    except (yaml.YAMLError, ValueError, TypeError):
        return node.value
    finally:
        loader.dispose()
