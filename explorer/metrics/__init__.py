"""Metrics: structural modularity Q and the four specialization metrics."""
