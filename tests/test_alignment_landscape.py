"""Landscape theory (Axelrod & Bennett 1993): the vectorised Gray-code search against a plain
itertools enumeration written from the definitions, and the model's properties."""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import realpolitik.models.alignment.landscape  # noqa: F401  (module, not the function)
from realpolitik.models.alignment import (
    canonical,
    descend,
    energy,
    frustration,
    global_split,
    pair_minima,
    split_energies,
    stable_configurations,
)

L = sys.modules["realpolitik.models.alignment.landscape"]


# ---------------------------------------------------------------- independent reference ------


def ref_energy(s, p, x):
    """E(X) = sum_{i<j} s_i s_j p_ij [x_i != x_j], one pair at a time."""
    n = len(s)
    return sum(s[i] * s[j] * p[i][j] for i in range(n) for j in range(i + 1, n) if x[i] != x[j])


def ref_landscape(s, p, k=2):
    """Every configuration (labels up to renaming), its steepest descent with the documented rule
    (largest energy drop; ties within 1e-12 * sum|W| to the lowest actor, then lowest coalition),
    and the local minima with their basin shares."""
    n = len(s)
    w_abs = sum(abs(s[i] * s[j] * p[i][j]) for i in range(n) for j in range(n) if i != j)
    tol = 1e-12 * max(w_abs, 1e-300)

    def canon(x):
        m: dict[int, int] = {}
        return tuple(m.setdefault(v, len(m)) for v in x)

    configs = sorted({canon(x) for x in itertools.product(range(k), repeat=n)})
    e = {x: ref_energy(s, p, x) for x in configs}

    def step(x):
        best, arg = 0.0, None
        moves = []
        for i in range(n):
            for c in range(k):
                if c == x[i]:
                    continue
                y = list(x)
                y[i] = c
                moves.append((e[canon(y)] - e[x], i, c, canon(y)))
        best = min(m[0] for m in moves)
        if best >= -tol:
            return x
        for d, _i, _c, y in moves:  # already in (actor, coalition) order
            if d <= best + tol:
                arg = y
                break
        return arg

    ends: dict[tuple[int, ...], int] = {}
    for x in configs:
        y = x
        while (z := step(y)) != y:
            y = z
        ends[y] = ends.get(y, 0) + 1
    return {y: (e[y], c / len(configs)) for y, c in ends.items()}


def as_dict(res):
    return {tuple(c.labels.tolist()): (c.energy, c.basin) for c in res.minima}


def random_instance(rng, n, integer=False):
    if integer:
        s = rng.integers(1, 6, n).astype(float)
        p = rng.integers(-2, 3, (n, n)) / 2
    else:
        s = rng.random(n) + 0.05
        p = rng.uniform(-1, 1, (n, n))
    p = np.triu(p, 1)
    return s, p + p.T


def assert_same_minima(got, ref):
    assert set(got) == set(ref)
    for x, (e, b) in ref.items():
        assert got[x][0] == pytest.approx(e, abs=1e-12)
        assert got[x][1] == pytest.approx(b, abs=1e-12)


# ---------------------------------------------------------------- energies -------------------


@pytest.mark.parametrize("n", [2, 3, 5, 8, 11])
def test_split_energies_match_definition(n):
    rng = np.random.default_rng(n)
    s, p = random_instance(rng, n)
    w = np.outer(s, s) * p
    e = split_energies(w)
    for code in range(2 ** (n - 1)):
        x = [(code >> i) & 1 for i in range(n - 1)] + [0]
        assert e[code] == pytest.approx(ref_energy(s, p, x), abs=1e-12)


@pytest.mark.parametrize("bits", [1, 2, 3])
def test_gray_blocks_visit_every_split_once_with_exact_fields(bits):
    rng = np.random.default_rng(7)
    s, p = random_instance(rng, 7)
    w = np.outer(s, s) * p
    seen = []
    for codes, sigma, h in L._gray_blocks(w, block_bits=bits):
        seen += codes.tolist()
        np.testing.assert_allclose(h, sigma @ w, atol=1e-12)
        np.testing.assert_array_equal(sigma[:, :6], 1 - 2 * ((codes[:, None] >> np.arange(6)) & 1))
    assert sorted(seen) == list(range(64))


def test_energy_and_frustration_functions():
    rng = np.random.default_rng(3)
    s, p = random_instance(rng, 6)
    x = np.array([0, 1, 1, 0, 2, 1])
    assert energy(s, p, x) == pytest.approx(ref_energy(s, p, x))
    f = frustration(s, p, x)
    for i in range(6):
        assert f[i] == pytest.approx(sum(s[j] * p[i, j] for j in range(6) if x[j] != x[i]))
    # energy is half the size-weighted frustration
    assert energy(s, p, x) == pytest.approx(0.5 * float(s @ f))
    assert energy(s, p, np.zeros(6, int)) == 0.0


# ---------------------------------------------------------------- exhaustive search ----------


@pytest.mark.parametrize("n,integer", [(2, False), (4, False), (7, False), (9, False),
                                       (6, True), (8, True)])
def test_exhaustive_matches_itertools_reference(n, integer):
    rng = np.random.default_rng(100 + n)
    s, p = random_instance(rng, n, integer)
    assert_same_minima(as_dict(stable_configurations(s, p)), ref_landscape(s, p))


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 7), st.integers(0, 10**6))
def test_exhaustive_matches_reference_with_ties(n, seed):
    """Integer inputs make exact ties; the tie rule must agree too."""
    s, p = random_instance(np.random.default_rng(seed), n, integer=True)
    res = stable_configurations(s, p)
    assert_same_minima(as_dict(res), ref_landscape(s, p))
    assert sum(c.basin for c in res.minima) == pytest.approx(1.0)
    assert [c.energy for c in res.minima] == sorted(c.energy for c in res.minima)


def test_single_actor_and_two_actors():
    one = stable_configurations([1.0], [[0.0]])
    assert len(one.minima) == 1 and one.best.energy == 0.0
    friends = stable_configurations([1, 1], [[0, 0.5], [0.5, 0]])
    assert friends.best.labels.tolist() == [0, 0]
    enemies = stable_configurations([1, 2], [[0, -0.5], [-0.5, 0]])
    assert enemies.best.labels.tolist() == [0, 1] and enemies.best.energy == -1.0


def test_descend_from_every_split_gives_the_exhaustive_basins():
    """Pointer jumping (exhaustive) and row-wise vectorised descent agree."""
    rng = np.random.default_rng(11)
    s, p = random_instance(rng, 10)
    res = stable_configurations(s, p)
    codes = np.arange(2**9)
    lab = np.zeros((codes.size, 10), int)
    lab[:, :9] = (codes[:, None] >> np.arange(9)) & 1
    ends, counts = np.unique(descend(s, p, lab, 2), axis=0, return_counts=True)
    got = {tuple(e): c / codes.size for e, c in zip(ends.tolist(), counts, strict=True)}
    assert got == pytest.approx({tuple(c.labels.tolist()): c.basin for c in res.minima})


# ---------------------------------------------------------------- properties -----------------


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 9), st.integers(0, 10**6), st.data())
def test_a_stabilising_flip_never_raises_the_energy(n, seed, data):
    s, p = random_instance(np.random.default_rng(seed), n)
    x = np.array(data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    i = data.draw(st.integers(0, n - 1))
    y = x.copy()
    y[i] = 1 - y[i]
    f_before, f_after = frustration(s, p, x)[i], frustration(s, p, y)[i]
    e_before, e_after = energy(s, p, x), energy(s, p, y)
    assert e_after - e_before == pytest.approx(s[i] * (f_after - f_before), abs=1e-12)
    if f_after <= f_before:
        assert e_after <= e_before + 1e-12


@settings(max_examples=25, deadline=None)
@given(st.integers(3, 9), st.integers(0, 10**6), st.randoms(use_true_random=False))
def test_relabelling_actors_does_not_change_the_landscape(n, seed, rnd):
    s, p = random_instance(np.random.default_rng(seed), n)
    perm = list(range(n))
    rnd.shuffle(perm)
    a = stable_configurations(s, p)
    b = stable_configurations(s[perm], p[np.ix_(perm, perm)])
    assert [c.energy for c in a.minima] == pytest.approx([c.energy for c in b.minima], abs=1e-12)
    # generic (tie-free) inputs: same basins, and the same partitions mapped back
    assert [c.basin for c in a.minima] == pytest.approx([c.basin for c in b.minima])
    inv = np.argsort(perm)
    for ca, cb in zip(a.minima, b.minima, strict=True):
        assert canonical(cb.labels[inv]).tolist() == ca.labels.tolist()


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 8), st.integers(0, 10**6), st.floats(1e-3, 1e3))
def test_scaling_all_sizes_does_not_change_configurations(n, seed, factor):
    s, p = random_instance(np.random.default_rng(seed), n)
    a, b = stable_configurations(s, p), stable_configurations(s * factor, p)
    assert [c.labels.tolist() for c in a.minima] == [c.labels.tolist() for c in b.minima]
    assert [c.energy * factor**2 for c in a.minima] == pytest.approx(
        [c.energy for c in b.minima], rel=1e-9, abs=1e-12)


def test_global_minimum_is_a_local_minimum_and_stable():
    rng = np.random.default_rng(5)
    s, p = random_instance(rng, 12)
    res = stable_configurations(s, p)
    best = res.best.labels
    for i in range(12):
        y = best.copy()
        y[i] = 1 - y[i]
        assert energy(s, p, y) >= res.best.energy - 1e-12
    assert global_split(s, p).labels.tolist() == best.tolist()


# ---------------------------------------------------------------- k coalitions ---------------


@pytest.mark.parametrize("n,k", [(4, 3), (6, 3), (5, 4)])
def test_k_coalitions_match_reference(n, k):
    rng = np.random.default_rng(n * k)
    s, p = random_instance(rng, n)
    res = stable_configurations(s, p, k=k)
    assert res.k == k and res.method == "exhaustive"
    assert_same_minima(as_dict(res), ref_landscape(s, p, k))


def test_k_path_with_two_coalitions_equals_the_gray_code_path():
    rng = np.random.default_rng(21)
    s, p = random_instance(rng, 9)
    gray = L._exhaustive_two(np.outer(s, s) * p)
    general = L._exhaustive_k(s, p, 2)
    assert_same_minima(as_dict(gray), as_dict(general))


# ---------------------------------------------------------------- large N --------------------


def test_sampled_path_finds_the_exact_global_minimum():
    rng = np.random.default_rng(8)
    s, p = random_instance(rng, 12)
    exact = stable_configurations(s, p)
    sampled = stable_configurations(s, p, exhaustive_max=6, starts=3000, seed=1)
    assert sampled.method == "milp+sampled" and sampled.exact
    assert sampled.best.labels.tolist() == exact.best.labels.tolist()
    assert sampled.best.energy == pytest.approx(exact.best.energy)
    ex = as_dict(exact)
    for c in sampled.minima:
        key = tuple(c.labels.tolist())
        assert key in ex  # every sampled end is a true local minimum
        assert c.basin == pytest.approx(ex[key][1], abs=0.05)


def test_sampled_is_reproducible_by_seed():
    rng = np.random.default_rng(9)
    s, p = random_instance(rng, 30)
    a = stable_configurations(s, p, starts=256, seed=3)
    b = stable_configurations(s, p, starts=256, seed=3)
    assert as_dict(a) == as_dict(b)


@pytest.mark.parametrize("n", [6, 10, 13])
def test_pair_minima_and_milp_split_match_enumeration(n):
    rng = np.random.default_rng(n)
    s, p = random_instance(rng, n)
    w = np.outer(s, s) * p
    e = split_energies(w)
    codes = np.arange(e.size)
    bit = lambda a: (codes >> a) & 1 if a < n - 1 else 0 * codes  # noqa: E731
    for i, j in [(0, 1), (2, n - 1)]:
        tog, apt = pair_minima(s, p, i, j)
        apart = bit(i) != bit(j)
        assert tog.energy == pytest.approx(e[~apart].min())
        assert apt.energy == pytest.approx(e[apart].min())
        tog2, apt2 = pair_minima(s, p, i, j, exhaustive_max=2)  # through the MILP
        assert tog2.energy == pytest.approx(tog.energy)
        assert apt2.energy == pytest.approx(apt.energy)
    assert global_split(s, p, exhaustive_max=2).energy == pytest.approx(e.min())


def test_bad_inputs():
    with pytest.raises(ValueError, match="symmetric"):
        stable_configurations([1, 1], [[0, 1], [0.5, 0]])
    with pytest.raises(ValueError, match=">= 0"):
        stable_configurations([1, -1], [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="matrix"):
        stable_configurations([1, 1, 1], [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="finite"):
        stable_configurations([1, np.nan], [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="k must"):
        stable_configurations([1, 1], [[0, 1], [1, 0]], k=1)
