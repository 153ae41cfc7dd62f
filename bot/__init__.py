"""magbot: a Telegram FAQ bot about magnesium glycinate for muscle spasms.

A pure core with thin adapters:
- `bot.faq`: content, matching, triage and replies (imports no Telegram);
- `bot.reminders`: daily reminders, clock as a parameter (imports no Telegram);
- `bot.storage`: the SQLite database, its migrations and /forget;
- `bot.telegram`: the Telegram adapter and its composition root (the only
  package allowed to import telegram or aiohttp; ruff TID251);
- top level: `cli` and `console` (adapters), `config`, `clock`, `logs`.
"""
