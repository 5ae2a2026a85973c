"""``claywork themes --file``: read a corpus file, find its themes, print them. No Django here,
so ``claywork.cli`` can answer ``--file`` without setting Django up (about a second less on a
busy machine); the management command uses the same functions, so both print the same."""

from __future__ import annotations

import json
from pathlib import Path

from claywork.themes import pipeline
from claywork.themes.jsonl import CorpusError, documents_from_file


class CorpusFileError(Exception):
    """The file cannot be read as a corpus; the message names the file and the problem."""


def themes_of_file(path: Path, engine: pipeline.Engine) -> pipeline.ThemeResult:
    try:
        documents = documents_from_file(path)
    except OSError as error:
        raise CorpusFileError(f"cannot read {path}: {error.strerror}") from error
    except (CorpusError, UnicodeDecodeError) as error:
        raise CorpusFileError(f"{path}: {error}") from error
    return pipeline.discover_themes(documents, engine=engine)


def rendered(result: pipeline.ThemeResult, *, as_json: bool) -> list[str]:
    """The lines to print: JSON, or one short line per theme."""
    if as_json:
        return [json.dumps(result.as_dict(), ensure_ascii=False, indent=2)]
    if result.status == "not_enough":
        message = "Not enough writing yet to find themes."
        return [f"{message} {result.reason}" if result.reason else message]
    lines = []
    for theme in result.themes:
        mark = " (recurring)" if theme.recurring else ""
        lines.append(
            f"{theme.label}{mark}: {len(theme.document_keys)} passages after "
            f"{len(theme.session_counts)} sessions"
        )
    return lines


def run_without_django(arguments: list[str]) -> bool:
    """Answer ``themes --file PATH [--json] [--engine classic]`` directly; False for anything
    else (another option, help, a file that cannot be read, the embeddings engine), which
    then goes through Django's command as before, with its usual messages."""
    path: str | None = None
    as_json = False
    remaining = list(arguments)
    while remaining:
        argument = remaining.pop(0)
        if argument == "--json" and not as_json:
            as_json = True
        elif argument == "--file" and path is None and remaining:
            path = remaining.pop(0)
        elif argument.startswith("--file=") and path is None:
            path = argument.removeprefix("--file=")
        elif argument in ("--engine", "--engine=classic"):
            if argument == "--engine" and remaining[:1] != ["classic"]:
                return False
            if argument == "--engine":
                remaining.pop(0)
        else:
            return False
    if not path or path.startswith("-"):
        return False
    try:
        result = themes_of_file(Path(path), "classic")
    except CorpusFileError:
        return False
    import sys

    for line in rendered(result, as_json=as_json):
        sys.stdout.write(line + "\n")
    return True
