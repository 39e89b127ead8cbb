"""Impact: the indicator catalogue, results frameworks per project, reported values and their verification."""
