"""Turns chat messages into typed requests (see contracts/intents.md)."""
