"""The platform operator's area: organisations, users, memberships, reference data, audit log."""
