"""Tests for bot.telegram."""
