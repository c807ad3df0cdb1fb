"""Sensors of the Clarify provider (kept import-free so that importing one module stays cheap)."""
