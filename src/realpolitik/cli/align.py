"""CLI: align commands (placeholder module, filled by its feature)."""
