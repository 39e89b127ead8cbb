"""Organisations (banks, NGOs, authorities, …), memberships and the organisation-scope permission check."""
