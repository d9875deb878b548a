"""hedgexl/addin/vba.py: xlwings' VBA project with its sample macro emptied out.

Every reader here is someone else's: oletools' MS-OVBA decompressor and olefile's compound
file reader check hedgexl's own decompressor, compressor and stream locator; LibreOffice's
VBA import reads the .xlsm that `hedgexl excel setup` writes.
"""

import shutil
import subprocess
import zipfile
from pathlib import Path

import olefile
import pytest
import xlwings
from oletools.olevba import VBA_Parser, decompress_stream

from hedgexl import cli
from hedgexl.addin import vba

XLWINGS = Path(xlwings.__file__).parent
NOTE = b'Attribute VB_Name = "Module1"\r\n' + vba.SAMPLE_NOTE


def _project(tmp_path, workbook="quickstart_standalone.xlsm"):
    out = tmp_path / f"{workbook}.bin"
    with zipfile.ZipFile(XLWINGS / workbook) as z:
        out.write_bytes(z.read("xl/vbaProject.bin"))
    return out


def _streams(path):
    with olefile.OleFileIO(str(path)) as o:
        return {"/".join(e): o.openstream("/".join(e)).read() for e in o.listdir()}


@pytest.mark.parametrize("workbook", ["quickstart_standalone.xlsm", "quickstart.xlsm"])
def test_reader_and_decompressor_agree_with_olefile_and_oletools(tmp_path, workbook):
    path = _project(tmp_path, workbook)
    cfb = vba._Cfb(bytearray(path.read_bytes()))
    streams = _streams(path)
    for name, data in streams.items():
        assert cfb.read(name) == data, name
    plain = vba.decompress(streams["VBA/dir"])
    assert plain == decompress_stream(bytearray(streams["VBA/dir"]))
    offsets = vba.module_offsets(plain)
    assert {"ThisWorkbook", "Sheet1", "Sheet2", "Module1"} <= set(offsets)
    for name, (stream, offset) in offsets.items():
        raw = streams[f"VBA/{stream}"][offset:]
        assert vba.decompress(raw) == decompress_stream(bytearray(raw)), name
        assert vba.decompress(raw).startswith(f'Attribute VB_Name = "{name}"'.encode())


def test_compress_to_size_hits_every_size_and_oletools_reads_it():
    for size in range(len(NOTE) * 9 // 8 + 20, 1500):  # from a few bytes above the text
        out = vba.compress_to_size(NOTE, b" ", size)
        assert len(out) == size
        plain = decompress_stream(bytearray(out))
        assert plain.startswith(NOTE) and plain.endswith(b"\r\n"), size
        assert set(plain[len(NOTE):-2]) == {ord(" ")}, size
    with pytest.raises(vba.VbaError):
        vba.compress_to_size(NOTE, b" ", 20)  # too small for the text


def test_empty_module_changes_module1_only(tmp_path):
    path = _project(tmp_path)
    before = _streams(path)
    vba.empty_module(path, "Module1", must_contain=b"Sub SampleCall()")
    after = _streams(path)
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in before.items()}
    assert [k for k in before if before[k] != after[k]] == ["VBA/Module1"]
    stream, offset = vba.module_offsets(vba.decompress(after["VBA/dir"]))["Module1"]
    assert after["VBA/Module1"][:offset] == bytes(offset)  # the stale cache, zeroed
    assert decompress_stream(bytearray(after["VBA/Module1"][offset:])).rstrip() == NOTE
    codes = {n.rsplit(".", 1)[0]: c for _, _, n, c in VBA_Parser(str(path)).extract_macros()}
    assert "SampleCall" not in "".join(codes.values())
    assert "Sub ImportPythonUDFs" in codes["xlwings"]


def test_refuses_what_it_does_not_know(tmp_path):
    path = _project(tmp_path)
    with pytest.raises(vba.VbaError, match="not the expected sample"):
        vba.empty_module(path, "Module1", must_contain=b"Sub Something()")
    # quickstart.xlsm's project keeps a performance cache: Office would run that, not the
    # source, so a rewrite of the source would be a lie
    cached = _project(tmp_path, "quickstart.xlsm")
    original = cached.read_bytes()
    with pytest.raises(vba.VbaError, match="performance cache"):
        vba.empty_module(cached, "Module1")
    assert cached.read_bytes() == original
    same = path.read_bytes()
    assert vba.empty_module(path, "NoSuchModule") == path and path.read_bytes() == same


@pytest.mark.slow
def test_libreoffice_reads_the_setup_workbooks_vba(tmp_path, monkeypatch):
    """An office suite's own VBA import (LibreOffice's MS-OVBA reader) opens the .xlsm
    that `hedgexl excel setup` writes: Module1 holds the note, xlwings' module is whole."""
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) is not installed")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr("sys.platform", "linux")
    assert cli.main(["excel", "setup", "-o", str(tmp_path)]) == 0
    r = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                        "--convert-to", "ods", "--outdir", str(tmp_path),
                        str(tmp_path / "hedge_functions.xlsm")],
                       capture_output=True, text=True, timeout=300)
    ods = tmp_path / "hedge_functions.ods"
    assert ods.exists(), r.stderr
    with zipfile.ZipFile(ods) as z:
        module1 = z.read("Basic/VBAProject/Module1.xml").decode()
        xlw = z.read("Basic/VBAProject/xlwings.xml").decode()
    assert "hedgexl removed xlwings&apos; sample macro" in module1
    assert "Sub " not in module1 and "SampleCall" not in module1
    assert "Sub ImportPythonUDFs" in xlw
