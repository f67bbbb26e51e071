"""Issue 15 item 14: the README's walk-through runs as written.

The commands of the section "A walk through the API (real output)" are read from README.md (the
`console` code blocks: `$ command` lines, with `\\` continuations; the lines after a command are
what it prints) and run in order with bash from the repository's root, against a real
`registry serve` (child process, free port, temporary store; `http://localhost:8000` in the
commands is pointed at that port, the IRIs keep the README's base). What each command prints is
compared with what the README shows: whitespace is ignored (curl prints JSON compactly, the README
wraps it) and `...` in the README stands for text it leaves out. The files the commands use are in
docs/walkthrough/, so every command can be pasted as is.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
SECTION = "## A walk through the API (real output)"
README_BASE = "http://localhost:8000"


def walkthrough_steps(text: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs of the walk-through section, in order."""
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start:end if end >= 0 else None]
    steps: list[tuple[str, str]] = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            if not line.startswith("$ "):
                i += 1
                continue
            command = line[2:]
            while command.endswith("\\"):
                i += 1
                command = command[:-1] + " " + lines[i].strip()
            i += 1
            output = []
            while i < len(lines) and not lines[i].startswith("$ "):
                output.append(lines[i])
                i += 1
            steps.append((command, "\n".join(output)))
    return steps


def matches(expected: str, actual: str) -> bool:
    """Whether `actual` shows what `expected` shows: whitespace ignored, `...` = anything."""
    squeeze = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    fragments = [squeeze(f) for f in expected.split("...")]
    actual = squeeze(actual)
    position = 0
    for n, fragment in enumerate(fragments):
        if not fragment:
            continue
        found = actual.find(fragment, position)
        if found < 0 or (n == 0 and found != 0):
            return False
        position = found + len(fragment)
    return not fragments[-1] or actual.endswith(fragments[-1])


def test_the_walkthrough_is_read_from_the_readme():
    steps = walkthrough_steps(README.read_text())
    commands = [c for c, _ in steps]
    assert commands[0].startswith("registry community create my-lab")
    assert any(c.startswith("registry serve") for c in commands)
    assert sum(c.startswith("curl") for c in commands) >= 6
    # every file a command names is in the repository
    for command in commands:
        for name in re.findall(r"@([\w./-]+)|registry validate ([\w./-]+)", command):
            path = next(n for n in name if n)
            assert (REPO / path).is_file(), f"{command}: {path} is not in the repository"
    assert matches('{"a": 1, ...\n "c": 3}', '{"a":1,"b":2,"c":3}')
    assert not matches('{"a": 2, ...}', '{"a":1,"b":2}')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_command_answers_what_the_readme_shows(tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    state = tmp_path / "state.sh"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(REGISTRY_STORE=str(tmp_path / "registry-data"), PYTHONPATH=str(REPO), PY=sys.executable,
               STATE=str(state))
    # `registry` is this checkout's (python -m registry); variables (TOKEN) carry from step to step
    prologue = 'registry() { "$PY" -m registry "$@"; }\n[ -f "$STATE" ] && . "$STATE"\n'
    epilogue = '\nstatus=$?; declare -p TOKEN > "$STATE" 2>/dev/null; exit $status\n'
    server = None
    failures = []
    try:
        for command, expected in walkthrough_steps(README.read_text()):
            if command.startswith("registry serve"):  # `registry serve &`: in the background
                log = (tmp_path / "serve.log").open("wb")
                server = subprocess.Popen(
                    [sys.executable, "-m", "registry", "serve", "--port", str(port)], cwd=REPO, env=env,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
                deadline = time.monotonic() + 900  # the bundled content is published at first start
                while True:
                    assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
                    try:
                        if httpx.get(url + "/profiles/research-dataset", timeout=5).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    assert time.monotonic() < deadline, "registry serve did not start"
                    time.sleep(1)
                continue
            runnable = command.replace(README_BASE, url)
            done = subprocess.run(["bash", "-c", prologue + runnable + epilogue], cwd=REPO, env=env,
                                  capture_output=True, text=True, timeout=600)
            if not matches(expected, done.stdout):
                failures.append(f"$ {command}\n--- README shows:\n{expected}\n--- it printed (exit {done.returncode}):\n"
                                f"{done.stdout[:3000]}\n{done.stderr[-1000:]}")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    assert not failures, "\n\n".join(failures)
