"""Files: nothing the user gave is overwritten, nothing but a regular file is written, two
runs cannot overwrite each other's reports (issue 10)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hedgexl import files
from refusal import refused, run, snapshot

HOLDINGS = "asset,quantity,price\nBTC,1,100000\n"


@pytest.fixture
def h(tmp_path):
    f = tmp_path / "in.csv"
    f.write_text(HOLDINGS)
    return f


def test_the_report_never_replaces_its_input(tmp_path, capsys, h):
    refused(capsys, ["report", h, "-o", h, "--force"],
            f"hedgexl: error: -o {h}: that is the holdings file, an input; hedgexl never "
            "writes over an input, choose another -o", watch=[tmp_path])
    px = tmp_path / "px.csv"
    px.write_text("date,BTC\n2024-01-01,42000\n2024-01-02,43000\n")
    refused(capsys, ["report", h, "-o", px, "--prices", px, "--force"],
            f"hedgexl: error: -o {px}: that is the prices file, an input; hedgexl never "
            "writes over an input, choose another -o", watch=[tmp_path])
    link = tmp_path / "alias.csv"  # the same file by another name
    os.link(h, link)
    refused(capsys, ["report", h, "-o", link, "--force"],
            f"hedgexl: error: -o {link}: that is the holdings file, an input; hedgexl never "
            "writes over an input, choose another -o", watch=[tmp_path])


def test_the_summary_never_replaces_an_input(tmp_path, capsys, h):
    out = tmp_path / "r.xlsx"
    before = h.read_bytes()
    rc, _, err = run(capsys, "report", h, "-o", out, "--summary", h)
    assert rc == 1
    assert err.splitlines()[-1] == (f"hedgexl: error: --summary {h}: that is the holdings "
                                    "file, an input; hedgexl never writes over an input, "
                                    "choose another --summary")
    assert h.read_bytes() == before


def test_nothing_but_a_regular_file_is_written(tmp_path, capsys, h):
    null = Path("/dev/null")
    mode = null.stat().st_mode
    refused(capsys, ["report", h, "-o", null, "--force"],
            "hedgexl: error: -o /dev/null: not a regular file; hedgexl writes only regular "
            "files, choose another -o", watch=[tmp_path])
    assert stat.S_ISCHR(null.stat().st_mode) and null.stat().st_mode == mode
    assert not list(Path("/dev").glob(".null.*.tmp"))
    folder = tmp_path / "a_folder.xlsx"
    folder.mkdir()
    refused(capsys, ["report", h, "-o", folder, "--force"],
            f"hedgexl: error: -o {folder}: not a regular file; hedgexl writes only regular "
            "files, choose another -o", watch=[tmp_path])
    refused(capsys, ["template", "-o", null, "--force"],
            "hedgexl: error: -o /dev/null: not a regular file; hedgexl writes only regular "
            "files, choose another -o", watch=[tmp_path])
    target = tmp_path / "elsewhere.xlsx"
    target.write_bytes(b"keep me")
    link = tmp_path / "link.xlsx"
    link.symlink_to(target)
    refused(capsys, ["report", h, "-o", link, "--force"],
            f"hedgexl: error: -o {link}: not a regular file; hedgexl writes only regular "
            "files, choose another -o", watch=[tmp_path])


def test_an_existing_report_is_kept_without_force(tmp_path, capsys, h):
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"yesterday's report")
    refused(capsys, ["report", h, "-o", out],
            f"hedgexl: error: {out} exists; use --force to replace it", watch=[tmp_path])


def test_a_report_is_created_exclusively(tmp_path):
    # another run writes the report between our check and our rename: ours gives way
    out = tmp_path / "r.xlsx"
    tmp = files.temporary(out)
    tmp.write_bytes(b"ours")
    out.write_bytes(b"theirs")
    with pytest.raises(FileExistsError, match="another run wrote it meanwhile"):
        files.commit(tmp, out, force=False)
    assert out.read_bytes() == b"theirs" and not tmp.exists()
    tmp.write_bytes(b"ours")  # with --force, ours replaces it
    files.commit(tmp, out, force=True)
    assert out.read_bytes() == b"ours" and not tmp.exists()


def test_two_batches_into_one_folder(tmp_path, capsys):
    book = tmp_path / "book.csv"
    book.write_text("portfolio,asset,quantity,price\nA,BTC,1,100000\n")
    out = tmp_path / "out"
    out.mkdir()
    with files.FolderLock(out):  # a batch that is running
        lock = out / ".hedgexl.lock"
        refused(capsys, ["batch", book, "-o", out],
                f"hedgexl: error: -o {out}: another hedgexl batch (pid {os.getpid()}) is "
                "writing to this folder; wait for it or choose another folder",
                watch=[tmp_path])
        assert lock.read_text() == str(os.getpid())
    assert run(capsys, "batch", book, "-o", out)[0] == 0
    assert sorted(p.name for p in out.iterdir()) == ["A.xlsx"]  # lock file gone


def test_the_template_is_never_the_output(tmp_path, capsys, h):
    template = tmp_path / "t.xlsx"
    from hedgexl.workbook.template import build_template
    build_template(template)
    refused(capsys, ["report", h, "-o", template, "--template", template, "--force"],
            f"hedgexl: error: -o {template}: that is the template, an input; hedgexl never "
            "writes over an input, choose another -o", watch=[tmp_path])


def test_the_checks_can_fail(tmp_path, monkeypatch, h):
    # tamper: without the input check, -o in.csv --force replaces the holdings file
    monkeypatch.setattr(files, "same_file", lambda a, b: False)
    before = snapshot(tmp_path)
    from hedgexl import cli
    assert cli.main(["report", str(h), "-o", str(h), "--force"]) == 0
    assert snapshot(tmp_path) != before and h.read_bytes()[:2] == b"PK"
