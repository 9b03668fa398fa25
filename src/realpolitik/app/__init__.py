"""Interface-side pipelines that combine analysis results into reports (used by the CLI)."""
