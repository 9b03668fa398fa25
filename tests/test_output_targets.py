"""Writes respect their target (issue 13): a regular file is replaced atomically, a special file
(/dev/stdout, a FIFO, a device) is written into and never replaced, a symbolic link is followed
and never replaced, a dangling link or a FIFO nobody reads is refused at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import REF, ROOT, assert_bad_input, edit, run_cli, run_process

from realpolitik.errors import InputError
from realpolitik.files import check_writable, read_bounded, write_atomic

KTAB_XML = REF / "ktab" / "smpExample.xml"


def test_regular_file_is_replaced_whole(tmp_path: Path):
    f = tmp_path / "out.txt"
    f.write_text("a much longer old content\n")
    inode = f.stat().st_ino
    write_atomic(f, "new\n")
    assert f.read_text() == "new\n"
    assert f.stat().st_ino != inode  # a rename, not an in-place rewrite
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_symlink_is_followed_not_replaced(tmp_path: Path):
    real = tmp_path / "real.txt"
    real.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_atomic(link, "new\n")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new\n"


def test_dangling_symlink_is_refused(tmp_path: Path):
    link = tmp_path / "dangling"
    link.symlink_to(tmp_path / "nowhere")
    with pytest.raises(InputError, match="symbolic link"):
        check_writable(link)
    with pytest.raises(InputError, match="symbolic link"):
        write_atomic(link, "x")
    assert link.is_symlink() and not (tmp_path / "nowhere").exists()


def test_symlink_to_a_folder_is_refused(tmp_path: Path):
    (tmp_path / "d").mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "d")
    with pytest.raises(InputError, match="folder"):
        write_atomic(link, "x")
    assert link.is_symlink()


def test_fifo_without_reader_is_refused_at_once(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="nobody is reading"):
        write_atomic(fifo, "x")
    assert fifo.is_fifo()


def test_fifo_with_reader_receives_the_data(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    payload = "line\n" * 20000  # larger than a pipe buffer: the write must loop
    got = bytearray()
    # O_RDWR opens a FIFO at once on Linux and keeps it open while the writer comes and goes
    fd = os.open(fifo, os.O_RDWR)

    def read() -> None:
        while len(got) < len(payload):
            got.extend(os.read(fd, 65536))

    t = threading.Thread(target=read, daemon=True)
    t.start()
    write_atomic(fifo, payload)
    t.join(10)
    os.close(fd)
    assert bytes(got) == payload.encode()
    assert fifo.is_fifo()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_device_is_written_into_not_replaced():
    with pytest.raises(InputError, match="no space left"):
        write_atomic("/dev/full", "x")
    assert Path("/dev/full").is_char_device()


def test_cli_output_to_dev_stdout_prints(tmp_path: Path):
    run = run_process("convert", KTAB_XML, "--to", "toml", "-o", "/dev/stdout", cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert "[[actors]]" in run.stdout or "actors" in run.stdout
    assert list(tmp_path.iterdir()) == []


def test_cli_dev_stdout_redirected_to_a_file_keeps_the_file(tmp_path: Path):
    """`-o /dev/stdout > file`: the shell's file gets the text and is not swapped for another."""
    out = tmp_path / "captured.toml"
    exe = Path(sys.executable).with_name("realpolitik")
    with out.open("wb") as f:
        inode = os.fstat(f.fileno()).st_ino
        p = subprocess.run([str(exe), "convert", str(KTAB_XML), "--to", "toml", "-o",
                            "/dev/stdout"], stdout=f, stderr=subprocess.PIPE, timeout=120)
    assert p.returncode == 0, p.stderr
    assert out.stat().st_ino == inode
    assert "actors" in out.read_text()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_cli_output_to_a_full_device_is_bad_input(tmp_path: Path):
    run = run_process("convert", KTAB_XML, "--to", "toml", "-o", "/dev/full", cwd=tmp_path)
    assert_bad_input(run, "/dev/full", "no space left")
    assert Path("/dev/full").is_char_device()


# Bounded reads: no input can exhaust memory before it is refused ------------------------------


def test_read_bounded_refuses_devices_and_large_files(tmp_path: Path):
    with pytest.raises(InputError, match="not a regular file"):
        read_bounded("/dev/zero")
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2000)
    with pytest.raises(InputError, match="limit is"):
        read_bounded(big, limit=1000)
    assert read_bounded(big, limit=2000) == b"x" * 2000
    with pytest.raises(InputError, match="directory"):
        read_bounded(tmp_path)


@pytest.mark.parametrize("target", ["/dev/zero", "DIR", "BIG"])
def test_validate_source_path_that_is_no_text_file_is_bad_input(mini: Path, target: str):
    """A source ``path`` naming /dev/zero, a folder or a huge file: exit 2 naming the source, in
    bounded memory (the read stops at the limit), with JSON still printed under --json."""
    if target == "DIR":
        target = str(mini.parent / "folder")
        Path(target).mkdir()
    elif target == "BIG":
        big = mini.parent / "big.txt"
        with big.open("wb") as f:
            f.truncate(40 * 2**20)  # a sparse 40 MiB file: cheap to make, over the limit
        target = str(big)
    text = mini.read_text()
    assert 'path = "' in text
    start = text.index('path = "') + len('path = "')
    old = text[start : text.index('"', start)]
    edit(mini, f'path = "{old}"', f'path = "{target}"')
    run = run_cli("validate", mini)
    assert_bad_input(run, "sources[0].path")
    js = run_cli("validate", mini, "--json")
    assert js.code == 2
    data = json.loads(js.stdout)
    assert data["valid"] is False
    assert any(p["field"] == "sources[0].path" for p in data["problems"])


def test_output_that_is_the_commands_own_stdout_is_refused_when_it_prints_there(tmp_path: Path):
    """`ingest --suggest S -o /dev/stdout > file` would mix the scenario and the events table in
    one file (each command that prints on stdout refuses); `convert -o /dev/stdout` prints
    nothing else there and still writes."""
    exe = Path(sys.executable).with_name("realpolitik")
    article = ROOT / "data" / "articles" / "000_538862bd67f95026.txt"
    scenario = ROOT / "scenarios" / "northeast-asia-2018.toml"
    for args in (["ingest", str(article), "--suggest", str(scenario), "-o", "/dev/stdout"],
                 ["convert", str(KTAB_XML), "--to", "toml", "-o", "/dev/stdout", "--json"]):
        captured = tmp_path / "captured.txt"
        with captured.open("wb") as f:
            p = subprocess.run([str(exe), *args], stdout=f, stderr=subprocess.PIPE,
                               timeout=300, text=False)
        assert p.returncode == 2, p.stderr
        assert b"standard output" in p.stderr and b"Traceback" not in p.stderr
        assert captured.read_bytes() == b""


def test_no_command_writes_over_its_own_input(tmp_path: Path):
    """An output that names (or links to) a file the command reads is refused before any work,
    and the input is left as it was."""
    deu = tmp_path / "d.tsv"
    deu.write_bytes((REF / "deu3" / "deu3_dev.tsv").read_bytes())
    bdm = tmp_path / "e.csv"
    bdm.write_bytes((REF / "bdm" / "ec_emissions_1994.csv").read_bytes())
    link = tmp_path / "link.csv"
    link.symlink_to(bdm)
    scenario = tmp_path / "s.toml"
    scenario.write_bytes((ROOT / "scenarios" / "northeast-asia-2018.toml").read_bytes())
    cases = [
        (["backtest", deu, "--no-report", "--bootstrap", "100", "--fit", deu], deu),
        (["backtest", deu, "--bootstrap", "100", "--report", deu], deu),
        (["convert", bdm, "-o", bdm], bdm),
        (["convert", bdm, "-o", link], bdm),
        (["whatif", scenario, "--set", "relations.RUS-JPN=0.2", "-o", scenario], scenario),
        (["align", scenario, "--report", scenario], scenario),
    ]
    db = tmp_path / "runs.sqlite"
    assert run_cli("runs", "list", "--db", f"sqlite:///{db}").code == 0  # creates the store
    cases.append((["runs", "export", "--format", "csv", "-o", db, "--db", f"sqlite:///{db}"], db))
    for args, source in cases:
        before = source.read_bytes()
        assert_bad_input(run_cli(*args), "this command's input")
        assert source.read_bytes() == before, args
