"""Where the declarative parts (manifest, schemas, handlers, field mappings, samples) live.

In a wheel they travel inside the package (see pyproject's force-include); in a checkout
or an editable install they sit at the top of the repository, one level above this package.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
BUNDLE = PACKAGE if (PACKAGE / "integration.yaml").is_file() else PACKAGE.parent

MANIFEST = BUNDLE / "integration.yaml"
SCHEMAS = BUNDLE / "schemas"
COMMANDS = BUNDLE / "commands"
FIELD_MAPPINGS = BUNDLE / "field_mappings"
SAMPLE_OUTPUTS = BUNDLE / "sample_outputs"
META = PACKAGE / "meta"
