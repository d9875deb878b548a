"""Writing a file without losing one: never over an input, the template or anything that is
not a regular file; through a temporary file in the same folder, renamed into place; and,
without ``--force``, only where no file is (created exclusively, so two runs cannot
overwrite each other).

Temporary files are named ``.<name>.<pid>.tmp``; :func:`clean_stale` removes those whose
process is gone (a run killed with SIGKILL cannot remove its own).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from pathlib import Path

__all__ = ["OutputError", "check_target", "temporary", "commit", "replacing", "write_text",
           "clean_stale", "FolderLock", "same_file", "csv_safe", "target_of"]

_TMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp$")


class OutputError(ValueError):
    """An output that hedgexl refuses to write: names the path and the reason."""


def same_file(a, b) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def check_target(path, *, inputs=(), force: bool = False, flag: str = "-o") -> Path:
    """Refuse ``path`` as an output when it is one of ``inputs`` (``(what, path)`` pairs),
    when it exists and is not a regular file, or when it exists and ``force`` is false."""
    p = Path(path)
    for what, q in inputs:
        if q and Path(q).exists() and p.exists() and same_file(p, q):
            raise OutputError(f"{flag} {p}: that is the {what}, an input; hedgexl never "
                              f"writes over an input, choose another {flag}")
    if p.exists() or p.is_symlink():
        if p.is_symlink() or not p.is_file():
            raise OutputError(f"{flag} {p}: not a regular file; hedgexl writes only regular "
                              f"files, choose another {flag}")
        if not force:
            raise FileExistsError(f"{p} exists; use --force to replace it")
    return p


def temporary(path) -> Path:
    """The temporary file for ``path``: hidden, in the same folder, named by this process."""
    p = Path(path)
    return p.with_name(f".{p.name}.{os.getpid()}.tmp")


def target_of(path) -> Path:
    """The file a temporary file of :func:`temporary` stands for (``path`` itself if it is
    not one), for messages: the user named that one."""
    p = Path(path)
    m = _TMP.match(p.name)
    return p.with_name(m["name"]) if m else p


def commit(tmp: Path, path: Path, *, force: bool) -> None:
    """Move the finished ``tmp`` to ``path``. Without ``force`` the move fails, and ``tmp``
    is removed, when ``path`` appeared meanwhile (another run wrote it)."""
    if force:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # atomic and exclusive: fails if path exists
    except FileExistsError:
        tmp.unlink()
        raise FileExistsError(f"{path} exists (another run wrote it meanwhile); use --force "
                              f"to replace it") from None
    except OSError as e:  # a file system without hard links
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV,
                           errno.EMLINK):
            raise
        if path.exists():
            tmp.unlink()
            raise FileExistsError(f"{path} exists; use --force to replace it") from None
        os.replace(tmp, path)
        return
    tmp.unlink()


@contextlib.contextmanager
def replacing(path, *, force: bool = True):
    """The one way hedgexl writes a file: yield a temporary path beside ``path``; when the
    block succeeds, the file there becomes ``path`` (:func:`commit`); when it fails, it is
    removed. The folder is created if need be.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with replacing(Path(d) / "a.txt") as tmp:
    ...         _ = tmp.write_text("done")
    ...     sorted(p.name for p in Path(d).iterdir())
    ['a.txt']
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary(p)
    try:
        yield tmp
        commit(tmp, p, force=force)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path, text: str, *, force: bool = True, newline=None) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through :func:`replacing`."""
    with replacing(path, force=force) as tmp:
        with open(tmp, "w", encoding="utf-8", newline=newline) as f:
            f.write(text)
    return Path(path)


#: What starts a formula when a spreadsheet opens a CSV (OWASP's CSV-injection list).
_TRIGGERS = "=+-@\t\r"
#: Column separators a spreadsheet may split a field at: the file's own, and the ';' of
#: a European list separator, the tab and the pipe.
_SEPARATORS = re.compile(r"([,;\t|]\s*)(?=[=+\-@\r])")


def csv_safe(value):
    """A text field as a spreadsheet may open it without running it: text that starts with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``, and so does
    such a character after any separator inside the field (a European Excel splits
    ``ops;=cmd`` at its ``;``), OWASP's advice against CSV injection. Numbers pass
    unchanged.

    >>> csv_safe("=cmd|' /C calc'!A0"), csv_safe("-1"), csv_safe(-1.5), csv_safe("Fund A")
    ("'=cmd|' /C calc'!A0", "'-1", -1.5, 'Fund A')
    >>> csv_safe("ops;=cmd|' /C calc'!A0")
    "ops;'=cmd|' /C calc'!A0"
    """
    if not isinstance(value, str):
        return value
    value = _SEPARATORS.sub(r"\1'", value)
    if value[:1] and value[0] in _TRIGGERS:
        return "'" + value
    return value


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_stale(folder, *, every: bool = False) -> list[Path]:
    """Remove hedgexl's temporary files in ``folder`` whose process has ended; with
    ``every``, all of them (the caller holds the folder's lock and knows that no writer is
    left: a cluster's workers run on other machines, whose processes cannot be asked)."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for e in entries:
        m = _TMP.match(e.name)
        if m and e.is_file(follow_symlinks=False) and (every or not _alive(int(m["pid"]))):
            with contextlib.suppress(OSError):
                os.unlink(e.path)
                removed.append(Path(e.path))
    return removed


class FolderLock:
    """An exclusive lock on an output folder (``.hedgexl.lock``), held while a batch writes
    into it; a second batch into the same folder is refused with the holder's pid. The file
    is removed when the batch ends (reports are created exclusively besides, so a second
    batch that slips in as the first ends still cannot overwrite them)."""

    def __init__(self, folder):
        self.path = Path(folder) / ".hedgexl.lock"
        self.fd = None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: exclusive creation still holds
            return self
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise OutputError(f"-o {self.path.parent}: another hedgexl batch (pid {holder}) "
                              f"is writing to this folder; wait for it or choose another "
                              f"folder") from None
        try:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        except OSError:  # a full disk: no lock is left behind
            with contextlib.suppress(OSError):
                self.path.unlink()
            os.close(fd)
            raise
        self.fd = fd
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            with contextlib.suppress(OSError):  # removed while held: the folder is left clean
                self.path.unlink()
            os.close(self.fd)  # closing releases the lock
            self.fd = None
        return False
