"""Payments: Stripe (card) through one gateway module, bank transfers confirmed by the partner bank."""
