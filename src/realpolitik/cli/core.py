"""CLI: core commands."""
