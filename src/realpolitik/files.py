"""Files: bounded reads, and writes all at once or not at all, shared by every layer.

Every read of a user's file goes through :func:`read_bounded`: a regular file only, never more
than a stated number of bytes (``/dev/zero`` as a source, a 2 GB file named by mistake), so no
input can exhaust memory or time before it is refused.

A path the user named that cannot be written is bad input (:class:`InputError`, exit 2), not an
internal error: :func:`check_writable` and :func:`check_folder` find the common cases cheaply, so
a command can refuse before its long work; :func:`write_atomic` runs the same checks and turns
any other ``OSError`` (permissions, a full disk) into an ``InputError`` too.

Writes respect their target (docs/architecture.md, Files):

- a new path or a regular file is written atomically (a temporary file, then a rename);
- a special file (``/dev/stdout``, a FIFO, a terminal, a device) is written *into*, never
  replaced; a FIFO with no reader is refused at once instead of blocking; the command's own
  standard output is refused when the command prints there too (the two would be mixed);
- a symbolic link is followed: its target is treated by the same rules; the link itself is never
  replaced, and a dangling link is refused.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from realpolitik.errors import InputError

MAX_READ_BYTES = 16 * 1024 * 1024
"""The default cap on one input file: model inputs and source articles are small, so a larger
file is a mistake (raise it per call where a format needs more)."""


def require_file(path: Path | str, what: str = "input") -> Path:
    """``path`` as a :class:`Path` when it names a regular file (links followed), else an
    :class:`InputError` saying what it is instead: missing, a folder, a special file."""
    p = Path(path)
    if not p.exists():
        raise InputError.single(str(path), "", f"no such {what} file")
    if p.is_dir():
        raise InputError.single(str(path), "", "is a directory, not a file")
    if not p.is_file():
        raise InputError.single(str(path), "", "not a regular file")
    return p


def read_bounded(path: Path | str, what: str = "input", limit: int = MAX_READ_BYTES) -> bytes:
    """The bytes of a regular file, refusing (:class:`InputError` naming the path) a missing
    file, a folder, a special file (a device such as ``/dev/zero``, a FIFO) and anything larger
    than ``limit`` bytes. At most ``limit + 1`` bytes are ever read, whatever ``stat`` says."""
    p = require_file(path, what)
    try:
        with p.open("rb") as f:
            raw = f.read(limit + 1)
    except OSError as err:
        raise InputError.single(str(path), "", f"cannot read: {_os_reason(err, False)}") from None
    if len(raw) > limit:
        size = max(p.stat().st_size, len(raw))
        raise InputError.single(
            str(path), "", f"file is {size / 2**20:.1f} MiB; the limit is {limit / 2**20:g} MiB"
        )
    return raw


def _cannot(path: Path | str, why: str) -> InputError:
    return InputError.single(str(path), "", f"cannot write: {why}")


def _os_reason(err: OSError, name_file: bool = True) -> str:
    why = (err.strerror or type(err).__name__).lower()
    return f"{why}: {err.filename}" if name_file and err.filename else why


def check_folder(folder: Path | str, for_file: Path | str | None = None) -> None:
    """Raise :class:`InputError` (naming ``for_file``, else ``folder``) when ``folder`` cannot be
    used or created as a folder: it, or a parent, is a file, or the folder that would hold it
    is not writable. Cheap: a few ``stat`` calls, nothing is created."""
    folder = Path(folder)
    name = for_file if for_file is not None else folder
    for anc in (folder, *folder.parents):
        if not (anc.exists() or anc.is_symlink()):
            continue
        if not anc.is_dir():
            where = "it" if str(anc) == str(name) else str(anc)
            raise _cannot(name, f"{where} is a file, not a folder")
        if not os.access(anc, os.W_OK | os.X_OK):
            raise _cannot(name, f"permission denied in folder {anc}")
        return


def _same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name one file (links followed), or would once written."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _is_stdout(path: Path) -> bool:
    """True when ``path`` is the very file this process's standard output writes to."""
    try:
        return os.path.samestat(os.stat(path), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return False  # no such file, or stdout is no file (a test's capture)


def _special(path: Path) -> bool:
    """True when ``path`` (after following links) exists and is not a regular file or folder:
    a character or block device, a FIFO, a socket (``/dev/stdout`` on a pipe or terminal)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _in_place(path: Path) -> bool:
    """True for targets written into rather than replaced: special files, and anything named
    under ``/dev`` or ``/proc`` (``/dev/stdout`` redirected to a file is a link into ``/proc``;
    replacing that file would cut it off from the shell that opened it)."""
    return _special(path) or str(path.absolute()).startswith(("/dev/", "/proc/"))


def _target(path: Path) -> Path:
    """The path a write lands on: ``path`` itself, or the file a symbolic link resolves to.
    A dangling link is refused (writing would create a file somewhere the user did not name)."""
    if not path.is_symlink():
        return path
    real = Path(os.path.realpath(path))
    if not real.exists() and not _special(path):
        raise _cannot(path, f"it is a symbolic link to {real}, which does not exist")
    return real


def check_writable(
    path: Path | str, prints: str | None = "its report", inputs: Iterable[Path | str | None] = ()
) -> None:
    """Raise :class:`InputError` naming ``path`` when a file cannot be written there (it is a
    folder, a dangling link, or its folder cannot be made). Call it before long work on an
    output path. Special files (``/dev/stdout``, a FIFO) pass: they are written into, unless
    the command also ``prints`` something on standard output and ``path`` is that same
    standard output (the two would be mixed into one stream that is neither); ``None`` for a
    command that prints nothing there. A path that is one of the command's ``inputs`` (the same
    file, by any name or link) is refused: a run must never destroy what it reads."""
    path = Path(path)
    for given in inputs:
        if given is not None and _same_file(path, Path(given)):
            raise _cannot(path, f"it is this command's input {given}; name a new file")
    if prints is not None and _is_stdout(path):
        raise _cannot(path, f"it is standard output, where the command prints {prints}; "
                      "give a file")
    if path.is_dir():
        raise _cannot(path, "it is a folder; give a file name")
    if _in_place(path):
        if path.exists() and not os.access(path, os.W_OK):
            raise _cannot(path, "permission denied")
        return
    target = _target(path)
    if target.is_dir():
        raise _cannot(path, "it links to a folder; give a file name")
    check_folder(target.parent, path)


def _write_into(path: Path, payload: bytes) -> None:
    """Write into a special file in place (without creating it). A FIFO is opened without
    blocking, so one that nobody reads is refused at once rather than hanging; then the write
    itself blocks as usual."""
    try:
        # O_APPEND: /dev/stdout redirected to a file reopens it at offset 0; append instead
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_APPEND)
    except OSError as err:
        if err.errno == errno.ENXIO:
            raise _cannot(path, "it is a pipe (FIFO) that nobody is reading") from None
        raise _cannot(path, _os_reason(err, name_file=False)) from None
    try:
        os.set_blocking(fd, True)
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as err:
        raise _cannot(path, _os_reason(err, name_file=False)) from None
    finally:
        os.close(fd)


def make_folder(folder: Path | str) -> Path:
    """Create ``folder`` (and its parents) or raise :class:`InputError` naming it."""
    folder = Path(folder)
    check_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _cannot(folder, _os_reason(err)) from None
    return folder


def write_atomic(path: Path | str, data: str | bytes) -> None:
    """Write a file all at once: a temporary file in the same folder, then a rename. A path that
    cannot be written raises :class:`InputError` and leaves nothing behind. A special file is
    written into and a symbolic link followed (see the module docstring); neither is replaced."""
    named = Path(path)
    check_writable(named, None)  # whether stdout is free is the command's to check first
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if _in_place(named):
        _write_into(named, payload)
        return
    path = _target(named)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise _cannot(path, _os_reason(err)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise _cannot(path, _os_reason(err, name_file=False)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
