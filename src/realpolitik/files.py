"""File writing shared by every layer that writes: all at once or not at all.

A path the user named that cannot be written is bad input (:class:`InputError`, exit 2), not an
internal error: :func:`check_writable` and :func:`check_folder` find the common cases cheaply, so
a command can refuse before its long work; :func:`write_atomic` runs the same checks and turns
any other ``OSError`` (permissions, a full disk) into an ``InputError`` too.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from realpolitik.errors import InputError


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


def check_writable(path: Path | str) -> None:
    """Raise :class:`InputError` naming ``path`` when a file cannot be written there (it is a
    folder, or its folder cannot be made). Call it before long work on an output path."""
    path = Path(path)
    if path.is_dir():
        raise _cannot(path, "it is a folder; give a file name")
    check_folder(path.parent, path)


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
    cannot be written raises :class:`InputError` and leaves nothing behind."""
    path = Path(path)
    check_writable(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise _cannot(path, _os_reason(err)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
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
