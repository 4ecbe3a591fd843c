"""Every entry of the hostile-fault catalogue says what it promises, and docs/reliability.md
publishes exactly those promises (scripts/reliability_report.py writes the section)."""

from __future__ import annotations

import pytest

from cisco_esa.core import resources
from tests.hostile.catalogue import ENTRIES


@pytest.mark.parametrize("entry", ENTRIES, ids=[f"{e.klass}: {e.injected}" for e in ENTRIES])
def test_hostile_catalogue_entry_keeps_its_promise(entry):
    assert entry.run() == entry.promised


def test_docs_reliability_md_lists_every_hostile_entry():
    text = (resources.BUNDLE / "docs" / "reliability.md").read_text()
    missing = [e.injected for e in ENTRIES if f"| {e.injected} |" not in text]
    assert missing == [], "docs/reliability.md is out of date with tests/hostile/catalogue.py: run scripts/reliability_report.py"
