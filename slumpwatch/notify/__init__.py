"""Slump warnings: exercise catalog, the no-nagging policy, and delivery routes with fallbacks."""
