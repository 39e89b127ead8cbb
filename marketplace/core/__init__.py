"""Site-wide pieces: home page, locale switcher, error pages, template helpers."""
