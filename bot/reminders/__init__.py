"""Daily reminders: schedule maths, the stores, delivery, history, the conversation.

Telegram-free, and the clock is always a parameter. May import `bot.faq`
(texts from content), `bot.storage` (transactions) and `bot.clock`; sending
is a callback the Telegram adapter provides. `schedule` (zone maths), `zones`
(zones to offer, a location's zone), `store` (reminder and history rows),
`people` (per-person rows: a reminder waiting for its zone, nudge and weekly
choices, refills), `delivery` (the dispatcher), `history` and `streak` (the
grid, adherence, CSV), `conversation` (commands and buttons as plain values).
"""
