"""How ``bid`` writes: results as JSON or text, a progress line, shell completion scripts.

Results go to stdout, in the format of the global ``--format`` option (JSON when stdout is
not a terminal, text on a terminal); messages and progress go to stderr, and progress only
when stderr is a terminal. Nothing here imports more than the standard library, and that
lazily: building the ``bid`` parser must stay cheap.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import argparse

__all__ = [
    "FORMATS",
    "Progress",
    "completion_script",
    "current_format",
    "emit",
    "set_format",
    "to_text",
]

FORMATS = ("json", "text")
_state = {"format": ""}  # "" until main() chose one: then JSON unless stdout is a terminal


def set_format(name: str | None) -> None:
    """Use ``name`` ("json" or "text") for results; None: text on a terminal, else JSON."""
    if name is None:
        name = "text" if _isatty(sys.stdout) else "json"
    _state["format"] = name


def current_format() -> str:
    return _state["format"] or ("text" if _isatty(sys.stdout) else "json")


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def emit(data: object) -> None:
    """Write one result to stdout in the chosen format."""
    if current_format() == "json":
        import json

        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(to_text(data) + "\n")


def to_text(data: object, indent: int = 0) -> str:
    """A JSON value as indented ``name: value`` lines; list items as ``-`` entries."""
    pad = "  " * indent
    if isinstance(data, dict):
        if not data:
            return pad + "{}"
        lines = []
        for name, value in data.items():
            if isinstance(value, dict | list) and value:
                lines.append(f"{pad}{name}:")
                lines.append(to_text(value, indent + 1))
            else:
                lines.append(f"{pad}{name}: {_scalar(value)}")
        return "\n".join(lines)
    if isinstance(data, list):
        if not data:
            return pad + "[]"
        items = []
        for value in data:
            if isinstance(value, dict | list) and value:
                body = to_text(value, indent + 1)
                items.append(f"{pad}- {body.lstrip()}")
            else:
                items.append(f"{pad}- {_scalar(value)}")
        return "\n".join(items)
    return pad + _scalar(data)


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return "{}" if isinstance(value, dict) else "[]"
    return str(value)


class Progress:
    """``label 3/10 [######------] 30%`` on stderr, redrawn in place; silent off a terminal."""

    def __init__(self, total: int, label: str, *, stream: TextIO | None = None) -> None:
        self.total = total
        self.label = label
        self.done = 0
        self._stream = sys.stderr if stream is None else stream
        self.enabled = total > 0 and _isatty(self._stream)
        self._drawn = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.enabled and (now - self._drawn >= 0.1 or self.done >= self.total):
            self._drawn = now
            self._stream.write("\r" + self.line())
            self._stream.flush()

    def line(self, width: int = 24) -> str:
        part = min(self.done, self.total) / self.total if self.total else 1.0
        bar = "#" * round(part * width)
        return f"{self.label} {self.done}/{self.total} [{bar:-<{width}}] {part:4.0%}"

    def close(self) -> None:
        if self.enabled and self._drawn:
            self._stream.write("\n")
            self._stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- shell completion ----------------------------------------------------------------------


def _tree(parser: argparse.ArgumentParser) -> dict[tuple[str, ...], tuple[list[str], list[str]]]:
    """Each command path (``()``, ``("vc",)``, ``("vc", "issue")``) -> (subcommands, options)."""
    import argparse

    out: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}

    def walk(node: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        commands: list[str] = []
        options: list[str] = []
        for action in node._actions:
            options.extend(s for s in action.option_strings if s.startswith("--"))
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    commands.append(name)
                    walk(child, (*path, name))
        out[path] = (commands, options)

    walk(parser, ())
    return out


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    """A completion script for ``shell`` (bash, zsh or fish), made from the parser."""
    tree = _tree(parser)
    prog = parser.prog
    if shell == "fish":
        return _fish(prog, tree)
    bash = _bash(prog, tree)
    if shell == "zsh":  # zsh runs the bash function through its bash compatibility layer
        return (
            f"#compdef {prog}\nautoload -U +X bashcompinit && bashcompinit\n"
            + bash.split("\n", 1)[1]
        )
    return bash


def _function(prog: str) -> str:
    return "_" + "".join(c if c.isalnum() else "_" for c in prog) + "_complete"


def _bash(prog: str, tree: dict[tuple[str, ...], tuple[list[str], list[str]]]) -> str:
    name = _function(prog)
    cases = []
    for path, (commands, options) in sorted(tree.items()):
        words = " ".join(commands + options)
        cases.append(f'        "{" ".join(path)}") words="{words}" ;;')
    return "\n".join(
        [
            f'# bash completion for {prog}; eval "$({prog} completion bash)"',
            f"{name}() {{",
            '    local cur="${COMP_WORDS[COMP_CWORD]}" path="" word words i',
            "    for ((i = 1; i < COMP_CWORD; i++)); do",
            '        word="${COMP_WORDS[i]}"',
            '        case "$word" in -*) continue ;; esac',
            '        case " $(' + name + '_commands "$path") " in',
            '            *" $word "*) path="${path:+$path }$word" ;;',
            "        esac",
            "    done",
            '    words="$(' + name + '_commands "$path" all)"',
            '    COMPREPLY=($(compgen -W "$words" -- "$cur"))',
            "}",
            f"{name}_commands() {{",
            '    local words=""',
            '    case "$1" in',
            *cases,
            "    esac",
            '    if [ -z "$2" ]; then',
            "        local w out=''",
            '        for w in $words; do case "$w" in -*) ;; *) out="$out $w" ;; esac; done',
            '        words="$out"',
            "    fi",
            '    echo "$words"',
            "}",
            f"complete -o default -F {name} {prog}",
            "",
        ]
    )


def _fish(prog: str, tree: dict[tuple[str, ...], tuple[list[str], list[str]]]) -> str:
    helper = f"__{_function(prog)}_path"
    known = sorted({name for path in tree for name in path})
    lines = [
        f"# fish completion for {prog}; {prog} completion fish | source",
        f"function {helper}",
        "    set -l path",
        "    for word in (commandline -opc)[2..-1]",
        f"        if contains -- $word {' '.join(known)}",
        "            set path $path $word",
        "        end",
        "    end",
        "    string join ' ' -- x $path",
        "end",
        f"complete -c {prog} -f",
    ]
    for path, (commands, options) in sorted(tree.items()):
        condition = f"test ({helper}) = '{' '.join(('x', *path))}'"
        for command in commands:
            lines.append(f'complete -c {prog} -n "{condition}" -a {command}')
        for option in options:
            lines.append(f'complete -c {prog} -n "{condition}" -l {option[2:]}')
    return "\n".join(lines) + "\n"
