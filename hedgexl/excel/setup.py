"""``hedgexl excel setup``: what can be automated of getting HEDGE_* into desktop Excel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

UDF_MODULES = "hedgexl.udfs"
CONF_SHEET = "xlwings.conf"


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
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".xlwings.conf.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(kept) + "\n")
    os.replace(tmp, p)
    return p


def xlwings_vba_project() -> Path:
    """The vbaProject.bin of the installed xlwings' standalone quickstart workbook: it
    carries the xlwings VBA module, ImportPythonUDFs included."""
    import xlwings
    src = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    out = Path(tempfile.mkdtemp(prefix="hedgexl-vba-")) / "vbaProject.bin"
    with zipfile.ZipFile(src) as z:
        out.write_bytes(z.read("xl/vbaProject.bin"))
    return out


def build_xlsm(out: Path, force: bool = False) -> Path:
    """A macro-enabled workbook with the xlwings VBA module, an ``xlwings.conf`` sheet
    (UDF Modules = hedgexl.udfs) and an "Import Functions" button."""
    import xlsxwriter

    from .. import udfs
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; use --force to replace it")
    vba = xlwings_vba_project()
    tmp = out.with_name(f".{out.stem}.tmp.xlsm")
    wb = xlsxwriter.Workbook(str(tmp))
    try:
        wb.set_vba_name("ThisWorkbook")
        wb.add_vba_project(str(vba))
        ws = wb.add_worksheet("Start")
        ws.set_vba_name("Sheet1")
        bold = wb.add_format({"bold": True, "font_size": 14})
        ws.write("A1", "hedgexl: HEDGE_* functions for Excel", bold)
        ws.write("A3", "1. Enable macros. 2. Click the button (or run the macro "
                       "ImportPythonUDFs) once. 3. Type =HEDGE_CONTRACTS(...) anywhere.")
        ws.insert_button("A5", {"macro": "ImportPythonUDFs", "caption": "Import Functions",
                                "width": 160, "height": 30})
        ws.write("A8", "Example: 5 BTC at 50,000 USD, hedged 25 % on BINANCE:BTCUSD_PERP")
        ws.write("A9", "contracts")
        ws.write_formula("B9", '=HEDGE_CONTRACTS(5*50000,"BINANCE:BTCUSD_PERP",0.25)', None,
                         udfs.HEDGE_CONTRACTS(250000, "BINANCE:BTCUSD_PERP", 0.25))
        ws.set_column("A:A", 28)
        conf = wb.add_worksheet(CONF_SHEET)
        conf.set_vba_name("Sheet2")
        conf.write_row("A1", ["UDF Modules", UDF_MODULES])
        conf.set_column("A:B", 20)
        wb.close()
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(vba.parent, ignore_errors=True)
    return out


def setup(out_dir: Path, force: bool = False, say=print) -> int:
    """Run the steps; say plainly which cannot be done on this platform."""
    windows = sys.platform.startswith("win")
    xlsm = build_xlsm(Path(out_dir) / "hedge_functions.xlsm", force)
    say(f"wrote {xlsm} (xlwings VBA module, xlwings.conf sheet: UDF Modules = "
        f"{UDF_MODULES})")
    if not windows:
        say("not on Windows: Excel and its add-ins cannot be installed from here.")
        say("  skipped: writing ~/.xlwings/xlwings.conf and `xlwings addin install`.")
        say("  Copy the .xlsm to a Windows PC with Python and `pip install hedgexl`, or "
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
