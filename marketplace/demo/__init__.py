"""Demo data (fictional organisations and people, flagged is_demo) for trying Passerelle."""
