"""Importers: every shipped input loads, converts to TOML, and round-trips exactly."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from conftest import REF, assert_bad_input, run_cli

from realpolitik.scenario.importers import detect_format
from realpolitik.scenario.loader import load_any, load_scenario
from realpolitik.scenario.reading import scenario_from_dict
from realpolitik.scenario.validate import validate_scenario
from realpolitik.scenario.writer import to_toml

INPUTS = sorted(
    [*REF.glob("bdm/*.csv"), *REF.glob("ktab/*.csv"), *REF.glob("ktab/*.xml")],
    key=lambda p: p.name,
)


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_round_trip(path: Path, tmp_path: Path):
    sc = load_any(path)
    text = to_toml(sc)
    again = scenario_from_dict(tomllib.loads(text), "roundtrip")
    assert again.model_dump() == sc.model_dump()
    out = tmp_path / "converted.toml"
    r = run_cli("convert", path, "--to", "toml", "-o", out)
    assert r.code == 0, r.stderr
    assert load_scenario(out).model_dump() == sc.model_dump()
    assert validate_scenario(load_scenario(out)) == []


def test_bdm_values():
    sc = load_any(REF / "bdm" / "ec_emissions_1994.csv")
    assert len(sc.actors) == 10
    nl = next(s for s in sc.stances if s.actor == "Netherlands")
    assert (nl.position.value, nl.salience.value) == (4.0, 0.8)
    assert sc.issues[0].scale.min == 4 and sc.issues[0].scale.max == 10
    hon = load_any(REF / "bdm" / "honduras_crisis.csv")
    assert max(s.salience.value for s in hon.stances) == 1.0  # already on 0-1: kept


def test_ktab_values():
    sc = load_any(REF / "ktab" / "SOE-Pol-Comp.csv")
    assert [i.title for i in sc.issues] == ["Policy", "Competitive"]
    xj = [s for s in sc.stances if s.actor == "XJ"]
    assert [(s.position.value, s.salience.value) for s in xj] == [(30, 0.24), (20, 0.48)]
    xml = load_any(REF / "ktab" / "smpExample.xml")
    assert len(xml.actors) == 5 and len(xml.issues) == 3
    # Alice has no coordinate on the first dimension: she takes no part there
    assert not [s for s in xml.stances if s.actor == "Alice" and s.issue == xml.issues[0].id]


def test_detect_formats():
    assert detect_format(REF / "bdm" / "china_1989.csv") == "bdm"
    assert detect_format(REF / "ktab" / "dummyData-a040.csv") == "ktab"
    assert detect_format(REF / "ktab" / "smpExample.xml") == "ktab-xml"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty input file"),
        (b"  \n\n", "empty input file"),
        # the format is sniffed from the first 4 KB; the importer then checks the whole file
        (
            b"Actor,Capability,Position,Salience\nA,1,4,80\n" + b"B,1,5,20\n" * 600 + b"\xff\n",
            "not valid UTF-8",
        ),
        (b"no recognisable header\n1,2,3\n", "unknown input format"),
        (b"\x00\x01\x02binary", "binary data"),
        (b"Akteur,F\xe4higkeit,Stellung\nA,1,4\n", "not valid UTF-8"),
        (b"\xef\xbb\xbf\n\n", "empty input file"),
    ],
    ids=["empty", "blank", "bad-utf8-late", "unknown", "binary", "cp1252", "bom-only"],
)
def test_sniffing_reports_bad_files_by_name(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    assert_bad_input(run_cli("forecast", path), message)
    assert_bad_input(run_cli("forecast", tmp_path / "missing.csv"), "no such input file")


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("Actor,Capability,Position,Salience\nA,0.5,4,80\nB,x,5,20\n", "line 3, Capability"),
        ("Actor,Capability,Position,Salience\nA,0.5,4,80\nB,0.2,nan,20\n", "line 3, Position"),
        ("Actor,Capability,Position,Salience\nA,0.5,4,180\n", "line 2, Salience"),
        ("Actor,Capability,Position,Salience\nA,-1,4,80\n", "line 2, Capability"),
        ("Actor,Position,Salience\nA,4,80\n", "header"),
    ],
)
def test_bad_csv(tmp_path: Path, content: str, field: str):
    p = tmp_path / "bad.csv"
    p.write_text(content)
    out = tmp_path / "out.toml"
    assert_bad_input(run_cli("convert", p, "-o", out), str(p), field)
    assert not out.exists()


def test_bad_xml(tmp_path: Path):
    p = tmp_path / "bad.xml"
    p.write_text(
        "<Scenario><name>x</name><Dimensions><dName>A</dName></Dimensions><Actors>"
        "<Actor><name>a</name><capability>zz</capability></Actor></Actors></Scenario>"
    )
    assert_bad_input(run_cli("forecast", p), str(p), "Actors/Actor[1]/capability")
    p.write_text("<Scenario><name>x</name>")
    assert_bad_input(run_cli("forecast", p), str(p), "malformed XML")


def test_unknown_format(tmp_path: Path):
    p = tmp_path / "what.csv"
    p.write_text("a,b,c\n1,2,3\n")
    assert_bad_input(run_cli("forecast", p), str(p), "unknown input format")


def test_leading_blank_lines_beyond_the_sniffed_head_are_read(tmp_path: Path):
    path = tmp_path / "in.csv"
    path.write_text("\n" * 5000 + "Actor,Capability,Position,Salience\nA,1,40,0.8\nB,1,60,0.5\n")
    assert detect_format(path) == "bdm"


def test_directories_and_special_files_are_refused(tmp_path: Path):
    assert_bad_input(run_cli("forecast", tmp_path), "is a directory")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # reading it would block forever
    assert_bad_input(run_cli("forecast", fifo), "not a regular file")
