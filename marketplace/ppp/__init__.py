"""Public-private partnerships: programme rule sets and the financing plan of each project."""
