"""Helpers for the refusal tests: run the CLI as a user would, and check that a refusal is
one line, exits non-zero and leaves every file as it was."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from hedgexl import cli


def snapshot(*folders) -> dict:
    """Every file under ``folders`` (hidden ones too): its bytes and mtime."""
    out = {}
    for folder in folders:
        for root, _, files in os.walk(folder):
            for f in files:
                p = Path(root) / f
                out[str(p)] = (p.read_bytes(), p.stat().st_mtime_ns)
    return out


def run(capsys, *argv) -> tuple[int, str, str]:
    """``hedgexl argv`` in this process: (exit code, stdout, stderr). argparse's refusals
    (SystemExit) give their exit code."""
    try:
        rc = cli.main([str(a) for a in argv])
    except SystemExit as e:
        rc = e.code
    out = capsys.readouterr()
    return rc, out.out, out.err


def refused(capsys, argv, message, *, watch, code=1) -> None:
    """``hedgexl argv`` exits with ``code``, its last line on stderr is exactly
    ``message``, and nothing under the ``watch`` folders was written or changed."""
    before = snapshot(*watch)
    rc, out, err = run(capsys, *argv)
    assert rc == code, (rc, out, err)
    assert err.rstrip("\n").splitlines()[-1] == message, err
    assert snapshot(*watch) == before


def formula_cells(path) -> list[str]:
    """Every part of an .xlsx that holds a formula, a hyperlink or an external link."""
    found = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/externalLinks/"):
                found.append(name)
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = z.read(name)
                for tag in (b"<f>", b"<f ", b"<hyperlink "):
                    if tag in xml:
                        found.append(f"{name}: {tag.decode()}")
    return found
