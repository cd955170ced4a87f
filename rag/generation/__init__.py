"""Generators write an answer from retrieved passages. See `base.py` for the protocol."""
