"""Accounts: registration, log-in, sessions, passwords and profiles."""
