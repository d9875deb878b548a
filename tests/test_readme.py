"""Every `hedgexl` command of the README runs as pasted, in order, from a clone's folder
(issue 26): the bash blocks are read from README.md, continuation lines joined, and each
command run in a scratch folder holding the clone's examples/ and hedgexl/data/. Those that
need the internet or a running cluster are skipped, and must say so on their line.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NEEDS = ("needs the internet", "needs the cluster", "needs a cluster")
#: The installed `hedgexl` console script, as it runs: the current folder (a clone's, with
#: its hedgexl/ folder) not on the import path.
RUN = "import sys; sys.path.pop(0); from hedgexl.cli import main; sys.exit(main())"


def readme_commands(text: str) -> list[str]:
    """The `hedgexl ...` commands of the README's bash blocks, in order, each on one line
    (its trailing comment kept, to say what it needs)."""
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("hedgexl "):
                    out.append(part)
    return out


def needs_outside(cmd: str) -> bool:
    return any(n in cmd.split("#", 1)[-1] for n in NEEDS) if "#" in cmd else False


def test_the_reader_finds_the_commands_and_what_they_need():
    cmds = readme_commands((ROOT / "README.md").read_text("utf-8"))
    assert cmds[0].startswith("hedgexl demo") and len(cmds) >= 12
    outside = [c for c in cmds if needs_outside(c)]
    assert any("--scheduler" in c for c in outside) and any(" fetch " in c for c in outside)
    # a command that needs what CI has not, without saying so, would run and fail: caught
    for c in cmds:
        if " fetch " in c or "--refresh" in c or "--scheduler" in c:
            assert needs_outside(c), f"say what it needs: {c}"


@pytest.mark.slow
def test_every_readme_command_runs_as_pasted_in_order(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copytree(ROOT / "hedgexl" / "data", tmp_path / "hedgexl" / "data")
    ran = 0
    for cmd in readme_commands((ROOT / "README.md").read_text("utf-8")):
        if needs_outside(cmd):
            continue
        argv = shlex.split(cmd.split(" #", 1)[0])
        r = subprocess.run([sys.executable, "-c", RUN, *argv[1:]], cwd=tmp_path,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, f"{cmd}\n{r.stderr[-2000:]}"
        ran += 1
    assert ran >= 10
    assert (tmp_path / "reports").is_dir() and (tmp_path / "reports-book").is_dir()
