"""``hedgexl excel setup``: what can be automated of getting HEDGE_* into desktop Excel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..files import write_text
from .vba import VbaError, empty_module

UDF_MODULES = "hedgexl.udfs"


def user_config_path() -> Path:
    return Path.home() / ".xlwings" / "xlwings.conf"


def write_user_config(path: Path | None = None) -> Path:
    """Set ``UDF Modules`` (and the Windows interpreter) in xlwings' user config, keeping
    every other setting the user has. Written to a temporary file, then renamed."""
    p = path or user_config_path()
    lines = p.read_text("utf-8").splitlines() if p.exists() else []
    ours = {"UDF MODULES": UDF_MODULES}
    if sys.platform.startswith("win"):
        ours["INTERPRETER_WIN"] = sys.executable
    kept = [l for l in lines if l.split(",", 1)[0].strip('"').upper() not in ours]
    kept += [f'"{k}","{v}"' for k, v in ours.items()]
    return write_text(p, "\n".join(kept) + "\n")


def xlwings_vba_project(say=print) -> Path:
    """The vbaProject.bin of the installed xlwings' standalone quickstart workbook: it
    carries the xlwings VBA module, ImportPythonUDFs included. Its sample macro
    (``Module1.SampleCall``) is emptied out (:mod:`hedgexl.addin.vba`); if the project is
    not the shape that rewrite knows, it is kept as xlwings wrote it, with a line saying so."""
    import xlwings
    src = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    out = Path(tempfile.mkdtemp(prefix="hedgexl-vba-")) / "vbaProject.bin"
    with zipfile.ZipFile(src) as z:
        out.write_bytes(z.read("xl/vbaProject.bin"))
    try:
        empty_module(out, "Module1", must_contain=b"Sub SampleCall()")
    except VbaError as e:
        say(f"note: xlwings {xlwings.__version__}'s VBA project kept as it is ({e})")
    return out


def build_xlsm(out: Path, force: bool = False, say=print) -> Path:
    """A macro-enabled copy of the template: the xlwings VBA module from the installed
    xlwings, the ``xlwings.conf`` sheet (UDF Modules = hedgexl.udfs) and an
    "Import Functions" button on the Dashboard."""
    from ..workbook.template import example_data
    from ..workbook.writer import write_workbook
    out = Path(out)
    if out.suffix.lower() != ".xlsm":
        raise ValueError(f"{out}: a workbook with macros must end in .xlsm")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; use --force to replace it")
    vba = xlwings_vba_project(say)
    try:
        return write_workbook(example_data(), out, mode="live", vba_project=vba)
    finally:
        shutil.rmtree(vba.parent, ignore_errors=True)


def setup(out_dir: Path, force: bool = False, say=print) -> int:
    """Run the steps; say plainly which cannot be done on this platform."""
    windows = sys.platform.startswith("win")
    xlsm = build_xlsm(Path(out_dir) / "hedge_functions.xlsm", force, say)
    say(f"wrote {xlsm}: the template with the xlwings VBA module, an xlwings.conf sheet "
        f"(UDF Modules = {UDF_MODULES}) and an Import Functions button")
    if not windows:
        say("not on Windows: Excel and its add-ins cannot be installed from here.")
        say("  skipped: writing ~/.xlwings/xlwings.conf and `xlwings addin install`.")
        say("  Copy the .xlsm to a Windows PC with Python and hedgexl (pip install \".[excel]\" "
            "in its checkout), or "
            "run `hedgexl excel setup` there. On a Mac use `hedgexl lite`.")
        return 0
    say(f"wrote {write_user_config()} (UDF Modules = {UDF_MODULES})")
    try:
        r = subprocess.run([sys.executable, "-m", "xlwings", "addin", "install"],
                           capture_output=True, text=True, timeout=120)
        say(r.stdout.strip() or r.stderr.strip() or "xlwings addin install: done")
    except (OSError, subprocess.SubprocessError) as e:
        say(f"`xlwings addin install` failed ({e}); the .xlsm works without the add-in.")
    say("Next: open the .xlsm, enable macros, click Import Functions.")
    return 0
