"""Shared test configuration. Server fixtures live in `tests/fix_*.py` plugins."""

pytest_plugins = ["fix_pg", "fix_kafka"]
