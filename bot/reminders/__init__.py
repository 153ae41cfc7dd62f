"""Daily reminders: schedule maths, the reminder store, delivery, streaks, the conversation.

Telegram-free, and the clock is always a parameter. May import `bot.faq`
(texts from content), `bot.storage` (transactions) and `bot.clock`; sending
is a callback the Telegram adapter provides.
"""
