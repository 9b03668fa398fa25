"""CLI: backtest commands (placeholder module, filled by its feature)."""
