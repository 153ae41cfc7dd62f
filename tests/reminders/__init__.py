"""Tests for bot.reminders."""
