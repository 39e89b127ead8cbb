"""Reference data: countries, their regions (ISO 3166-2) and economic sectors."""
