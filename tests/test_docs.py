"""The docs show the transition table the code runs."""

from pathlib import Path

from casework.transitions import markdown_table


def test_architecture_doc_carries_the_current_transition_table():
    doc = (Path(__file__).parent.parent / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert markdown_table() in doc
