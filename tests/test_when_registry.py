"""The layout of `nlp.when` (issue 12, "one pattern, one unit"): every expression class is one module of
`nlp.when.units`, listed in `nlp.when.registry`, with a docstring, documented atoms, its resolution steps
ranked in the registry, and its own test module `tests/test_when_<module>.py`."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from nlp.when import registry
from nlp.when.base import Unit

TESTS = Path(__file__).parent
MODULES = [m.__name__.rsplit(".", 1)[1] for m in registry.MODULES]


def test_every_unit_module_is_registered() -> None:
    on_disk = {p.stem for p in (TESTS.parent / "nlp" / "when" / "units").glob("*.py") if p.stem != "__init__"}
    assert on_disk == set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_each_class_has_a_docstring_documented_atoms_and_a_test_module(name: str) -> None:
    mod = importlib.import_module(f"nlp.when.units.{name}")
    assert (mod.__doc__ or "").strip(), name
    units: tuple[Unit, ...] = mod.UNITS
    assert units and all(u.doc for u in units), name
    assert (TESTS / f"test_when_{name}.py").is_file(), f"tests/test_when_{name}.py"


def test_every_resolution_step_is_ranked_once() -> None:
    assert len(registry.NORMALISERS) == len(registry.NORMALISE_ORDER)
    assert len(registry.DAY_READERS) == len(registry.DAY_ORDER) == len(set(registry.DAY_ORDER))
    assert len(registry.MOMENT_READERS) == len(registry.MOMENT_ORDER) == len(set(registry.MOMENT_ORDER))


def test_an_unranked_step_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "DAY_ORDER", registry.DAY_ORDER[:-1])
    with pytest.raises(ValueError, match="not ranked"):
        registry._steps("DAY_READERS", registry.DAY_ORDER)


def test_resolver_holds_no_class_specific_reading() -> None:
    # the resolver applies the registered steps; no class's arithmetic lives there
    src = (TESTS.parent / "nlp" / "when" / "resolver.py").read_text()
    for name in ("def _period", "def _season", "def _apply_offset", "def _holiday_date", "def _numeric_date",
                 "def _hour24", "def _next_clock", "def _weekday_date", "def _dom_date", "def _daypart_window"):
        assert name not in src, name
