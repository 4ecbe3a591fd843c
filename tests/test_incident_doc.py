"""docs/incident.md shows real output: each `$ cisco-esa run ...` of its console blocks is run
through the CLI against the simulator (frozen clock, seeded world), in order, and what it prints
must be the block's output. `pytest --regen-golden` rewrites the blocks from a run."""

from __future__ import annotations

import re
import shlex

from cisco_esa.core import resources
from tests.cli_helpers import frozen_cli, normalize_port, run_cli  # noqa: F401 (fixture)

DOC = resources.BUNDLE / "docs" / "incident.md"
BLOCK = re.compile(r"^```console\n\$ (cisco-esa [^\n]+)\n(.*?)^```\n", re.S | re.M)


def test_incident_doc_every_command_prints_the_shown_output(capsys, frozen_cli, monkeypatch, tmp_path,
                                                            regen_golden):
    monkeypatch.chdir(tmp_path)  # where the walk-through's tracking.state is written
    text = DOC.read_text()
    blocks = list(BLOCK.finditer(text))
    assert len(blocks) >= 10, "the walk-through lost its steps"
    actual = []
    for block in blocks:
        argv = shlex.split(block.group(1))
        assert argv[0] == "cisco-esa" and "--output" in argv and argv[argv.index("--output") + 1] == "text"
        code, out, _err = run_cli(capsys, *argv[1:])
        assert code in (0, 3), f"{block.group(1)} exited {code}"
        actual.append(normalize_port(out))
    if regen_golden:
        parts, end = [], 0
        for block, out in zip(blocks, actual):
            parts += [text[end:block.start(2)], out]
            end = block.end(2)
        DOC.write_text("".join(parts) + text[end:])
        return
    for block, out in zip(blocks, actual):
        assert out == block.group(2), f"docs/incident.md: the output of `{block.group(1)}` changed"
