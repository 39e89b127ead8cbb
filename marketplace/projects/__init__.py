"""Project listings: drafting, the vetting lifecycle with the bank's co-signature, and the catalogue."""
