"""CLI: exchange commands (placeholder module, filled by its feature)."""
