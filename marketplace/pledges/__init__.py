"""Pledges: reserving capacity, the pledge lifecycle, investor protection, matchfunding and the portfolio."""
