"""In-app notifications and the e-mail outbox (sent by a later worker)."""
