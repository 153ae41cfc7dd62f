"""Tests for bot.faq."""
