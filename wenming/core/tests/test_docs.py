from pathlib import Path

from wenming.core.management.commands.error_codes import error_code_table

ROOT = Path(__file__).resolve().parents[3]


def test_error_code_list_in_docs_is_current():
    """Regenerate with: .venv/bin/wenming manage error_codes > docs/errors.md"""
    assert (ROOT / "docs" / "errors.md").read_text() == error_code_table()


def test_readme_starts_with_the_two_setup_commands():
    head = (ROOT / "README.md").read_text()[:400]
    assert "make demo" in head and "make test" in head
