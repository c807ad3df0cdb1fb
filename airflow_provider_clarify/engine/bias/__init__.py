"""Bias metrics computed from contingency tables (every metric but FT) and, for FT, from rows."""
