"""Jingzhun: targeted poverty alleviation and pairing assistance."""
