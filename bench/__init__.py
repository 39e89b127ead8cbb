"""Benchmarks: seeded data, ceilings (hello world, static render) and the product's pages under load."""
