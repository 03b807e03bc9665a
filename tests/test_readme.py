"""The README and every `--help` show commands that work, and the output they really give.

Every `advisor ...` line of a ```sh block in README.md, and every example under "examples:" in
the commands' `--help`, is run in process (`advisor.cli.main`) in a temporary folder holding a
copy of examples/ and the files the examples name (see `workspace`), so that what they write
goes nowhere else. A ```text block right after a ```sh block is the output of that block's last
command: standard error, then standard output, line for line, where a line `...` stands for any
number of lines left out. A ```yaml block whose first line is `# NAME.yaml` is that file, put
in the folder before the commands run. A line of a ```sh block that is not an `advisor` command
fails the test, unless SKIPPED lists it with the reason it is not run here.
"""

from __future__ import annotations

import difflib
import glob
import io
import os
import re
import shlex
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from advisor.cli import build_parser, main
from tests.conftest import ROOT

README = ROOT / "README.md"

# Lines of the README's ```sh blocks that are not run here, and why.
SKIPPED = {
    "make run": "serves the web app until stopped (tests/test_make.py checks how it is started)",
    "make test": "is the run of these very tests",
    "make bench": "runs the benchmarks, which take minutes",
}

# The exit code of a README command that is not 0: the README shows it failing on purpose.
EXIT_CODES = {
    "advisor assess examples/gifting-orders.yaml --fromat json": 2,
}

_FENCE = re.compile(r"^```(\w*)\s*$")
_NAMED_FILE = re.compile(r"^# ([\w.-]+\.ya?ml)$")


@dataclass(frozen=True)
class Example:
    line: str  # as written, comment included
    where: str  # README.md:LINE or the command whose --help shows it
    expected: tuple[str, ...] | None = None  # the output shown after it, if any


def _blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """Fenced blocks as (language, line of the first content line, lines)."""
    blocks: list[tuple[str, int, list[str]]] = []
    current: tuple[str, int, list[str]] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        fence = _FENCE.match(line)
        if current is None and fence is not None:
            current = (fence.group(1), number + 1, [])
        elif current is not None and line.startswith("```"):
            blocks.append(current)
            current = None
        elif current is not None:
            current[2].append(line)
    assert current is None, "README.md has a code block that is never closed"
    return blocks


def _words(line: str) -> list[str]:
    return shlex.split(line, comments=True)


def readme_examples() -> list[Example]:
    text = README.read_text(encoding="utf-8")
    blocks = _blocks(text)
    found: list[Example] = []
    for index, (language, first, lines) in enumerate(blocks):
        if language != "sh":
            continue
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        between = ""
        if after is not None:  # the lines between this block's closing fence and the next's
            between = "\n".join(text.splitlines()[first + len(lines) : after[1] - 2])
        shows_output = after is not None and after[0] == "text" and not between.strip()
        commands = [
            (number, line)
            for number, line in enumerate(lines, start=first)
            if _words(line) and _words(line)[0] == "advisor"
        ]
        for number, line in commands:
            last = (number, line) == commands[-1]
            expected = tuple(after[2]) if shows_output and last and after else None
            found.append(Example(line, f"README.md:{number}", expected))
    return found


def readme_other_lines() -> list[tuple[str, str]]:
    """(where, line) for every line of a ```sh block that is not an `advisor` command."""
    others: list[tuple[str, str]] = []
    for language, first, lines in _blocks(README.read_text(encoding="utf-8")):
        if language != "sh":
            continue
        for number, line in enumerate(lines, start=first):
            words = _words(line)
            if words and words[0] != "advisor":
                others.append((f"README.md:{number}", " ".join(words)))
    return others


def named_files() -> dict[str, str]:
    """The README's ```yaml blocks that name their file in their first line."""
    files: dict[str, str] = {}
    for language, _, lines in _blocks(README.read_text(encoding="utf-8")):
        named = _NAMED_FILE.match(lines[0]) if language == "yaml" and lines else None
        if named is not None:
            files[named.group(1)] = "\n".join(lines) + "\n"
    return files


def help_examples() -> list[Example]:
    """Each example of every command's --help, once (the first --help that shows it)."""
    found: dict[str, Example] = {}

    def walk(parser: object, command: str) -> None:
        text = parser.format_help()  # type: ignore[attr-defined]
        where = f"advisor {command} --help" if command else "advisor --help"
        for block in re.findall(r"^examples:\n((?:  .*\n)+)", text, flags=re.MULTILINE):
            for line in block.splitlines():
                if line.strip().startswith("advisor "):
                    found.setdefault(line.strip(), Example(line.strip(), where))
        for action in getattr(parser, "_actions", []):
            if isinstance(getattr(action, "choices", None), dict):
                for name, sub in action.choices.items():
                    walk(sub, f"{command} {name}".strip())

    walk(build_parser(), "")
    return list(found.values())


# ---------------------------------------------------------------------------------------------
# Running one
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder as a user would have it: examples/ and the files the examples name.

    - examples/: the project's examples; portfolio/: the same, as a folder of one's own;
      team-b/crm.yaml and mine.yaml: one more assessment each (gifting-orders.yaml);
    - rules-dir/: a whole rule set (the defaults), for --no-default-rules;
    - the README's named ```yaml blocks (our-rules.yaml, azure-kafka.yaml);
    - a `dot` on PATH, for the examples that choose a system Graphviz: graphviz-pure, which
      takes dot's flags, when the machine has no Graphviz of its own.
    """
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copytree(ROOT / "examples", tmp_path / "portfolio")
    shutil.copytree(ROOT / "rules", tmp_path / "rules-dir")
    (tmp_path / "team-b").mkdir()
    gifting = (ROOT / "examples" / "gifting-orders.yaml").read_bytes()
    (tmp_path / "team-b" / "crm.yaml").write_bytes(gifting)
    (tmp_path / "mine.yaml").write_bytes(gifting)
    for name, content in named_files().items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    if shutil.which("dot") is None:
        bin_folder = tmp_path / ".bin"
        bin_folder.mkdir()
        beside = Path(sys.executable).parent
        pure = shutil.which("graphviz-pure", path=str(beside)) or shutil.which("graphviz-pure")
        assert pure is not None, "graphviz-pure is a dependency: `pip install -e .` installs it"
        shim = bin_folder / "dot"
        shim.write_text(f'#!/bin/sh\nexec "{pure}" "$@"\n', encoding="utf-8")
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("ADVISOR_RENDERER", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_line(
    line: str, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    """Run one shell line of the form `advisor ARGS [< IN] [> OUT]` in the current folder, its
    globs expanded as a shell would; its exit code, and standard error then standard output."""
    words = _words(line)
    argv: list[str] = []
    into = source = None
    tokens = iter(words[1:])
    for word in tokens:
        if word == ">":
            into = next(tokens)
        elif word == "<":
            source = next(tokens)
        elif any(char in word for char in "*?["):
            argv += sorted(glob.glob(word)) or [word]
        else:
            argv.append(word)
    if source is not None:
        stream = io.TextIOWrapper(io.BytesIO(Path(source).read_bytes()), encoding="utf-8")
        monkeypatch.setattr(sys, "stdin", stream)
    capsysbinary.readouterr()
    code = main(argv)
    out, err = capsysbinary.readouterr()
    if into is not None:
        Path(into).write_bytes(out)
        out = b""
    return code, err.decode("utf-8", "replace") + out.decode("utf-8", "replace")


def _pattern(expected: tuple[str, ...]) -> re.Pattern[str]:
    parts = [r"(?:[^\n]*\n)*?" if line == "..." else re.escape(line) + r"\n" for line in expected]
    return re.compile("".join(parts))


def assert_shows(example: Example, output: str) -> None:
    assert example.expected is not None
    if _pattern(example.expected).fullmatch(output) is None:
        diff = "\n".join(
            difflib.unified_diff(
                list(example.expected), output.splitlines(), "README", "real", lineterm=""
            )
        )
        pytest.fail(f"{example.where}: `{example.line}` gives another output:\n{diff}")


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", readme_examples(), ids=lambda example: example.where)
def test_readme_command(
    example: Example,
    workspace: Path,
    capsysbinary: pytest.CaptureFixture[bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, output = run_line(example.line, capsysbinary, monkeypatch)
    words = " ".join(_words(example.line))
    assert code == EXIT_CODES.get(words, 0), f"{example.where}: `{example.line}`\n{output}"
    if example.expected is not None:
        assert_shows(example, output)


@pytest.mark.parametrize("example", help_examples(), ids=lambda example: example.line)
def test_help_example(
    example: Example,
    workspace: Path,
    capsysbinary: pytest.CaptureFixture[bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, output = run_line(example.line, capsysbinary, monkeypatch)
    assert code == 0, f"{example.where}: `{example.line}`\n{output}"


def test_every_other_readme_line_is_skipped_for_a_reason() -> None:
    others = readme_other_lines()
    assert others, "the README shows how to start the app and the tests"
    unlisted = [f"{where}: {line}" for where, line in others if line not in SKIPPED]
    assert not unlisted, "lines the README test neither runs nor skips:\n" + "\n".join(unlisted)


def test_examples_are_found() -> None:
    """The parsing itself: the README shows outputs and names files, and --help has examples
    for every command."""
    examples = readme_examples()
    assert sum(example.expected is not None for example in examples) >= 3
    assert {"our-rules.yaml", "azure-kafka.yaml"} <= set(named_files())
    shown = {" ".join(_words(example.line)[1:3]) for example in help_examples()}
    for command in ("assess", "diagram", "batch", "schema", "completion"):
        assert any(line.startswith(command) for line in shown), command
    assert {"rules check", "rules list"} <= shown


def test_a_drifted_output_fails(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """The comparison can fail: one changed word, or a line too many, is caught."""
    shown = Example("advisor rules list", "here", ("a", "...", "c"))
    assert _pattern(shown.expected or ()).fullmatch("a\nb\nb2\nc\n")
    assert _pattern(shown.expected or ()).fullmatch("a\nc\n")
    assert not _pattern(shown.expected or ()).fullmatch("a\nb\nC\n")
    assert not _pattern(("a", "c")).fullmatch("a\nb\nc\n")
    with pytest.raises(pytest.fail.Exception, match="gives another output"):
        assert_shows(shown, "a\nd\n")


def test_every_assessment_shown_loads() -> None:
    """A ```yaml block of the README that is an assessment (it has flows) is a valid one, and the
    contexts it says may be left empty load with the defaults."""
    from advisor.loader import parse_assessment

    shown = [
        "\n".join(lines)
        for language, _, lines in _blocks(README.read_text(encoding="utf-8"))
        if language == "yaml" and any(line.startswith("flows:") for line in lines)
    ]
    assert shown
    for text in shown:
        assessment = parse_assessment(text, "README.md")
        assert assessment.flows
    said = " ".join(README.read_text(encoding="utf-8").split())
    assert "(`context:` or `context: null`)" in said
    data = yaml.safe_load(shown[0])
    data["context"] = None
    as_null = yaml.safe_dump(data, sort_keys=False)
    for text in (as_null, as_null.replace("context: null", "context:")):
        assert (
            parse_assessment(text, "README.md").context
            == parse_assessment(yaml.safe_dump({**data, "context": {}}), "README.md").context
        )
