"""Generated documentation must match the manifest and schemas it is generated from."""

from cisco_esa.core import resources
from cisco_esa.describe import commands_markdown


def test_docs_commands_md_matches_manifest_and_schemas():
    path = resources.BUNDLE / "docs" / "commands.md"
    assert path.read_text() == commands_markdown(), (
        "docs/commands.md drifted: run `python -m cisco_esa.describe > docs/commands.md`"
    )
