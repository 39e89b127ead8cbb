"""Financing programmes (MDM Invest-style, Intelaka-style, …) that projects belong to."""
