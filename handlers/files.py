"""Read policy files (YAML), keeping the line of every key and list item for error messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

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


def load_yaml(text: str, filename: str) -> tuple[object, LineOf]:
    """The data in `text` and a line_of(path) for it; FileProblem (naming `filename`) if it isn't good YAML."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        raise FileProblem([_syntax_error(e)], filename) from None
    except yaml.YAMLError as e:  # not tied to a place in the file
        raise FileProblem([PolicyError(None, f"Parley can't read this file as YAML: {e}")], filename) from None
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
        if path.suffix.lower() not in (".yaml", ".yml"):
            raise ValueError(f"'{name_or_path}' is neither a preset ({', '.join(PRESETS)}) nor a .yaml file")
    try:
        text = path.read_bytes().decode("utf-8-sig")  # files saved from Windows editors may start with a BOM
    except FileNotFoundError:
        raise FileNotFoundError(f"There is no policy file at {shown}.") from None
    except UnicodeDecodeError as e:
        raise InvalidPolicy([PolicyError(None, f"the file is not UTF-8 text ({e.reason})")], shown) from None
    try:
        data, line_of = load_yaml(text, shown)
        return parse_policy(data, line_of)
    except (FileProblem, InvalidPolicy) as e:
        raise InvalidPolicy(e.errors, shown) from None


def _syntax_error(e: yaml.MarkedYAMLError) -> PolicyError:
    mark = e.problem_mark or e.context_mark
    problem = e.problem or e.context or "this part can't be read"
    hint = "check the indentation, and put text containing ':' or '#' in quotes"
    if "\\t" in problem or "\t" in problem:
        hint = "use spaces, not tabs, to indent"
    return PolicyError(mark.line + 1 if mark else None, f"Parley can't read this line as YAML: {problem}; {hint}")


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
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node)
    except yaml.YAMLError:
        return node.value
    finally:
        loader.dispose()
