"""The Telegram adapter: composition root, handlers per feature, buttons, rendering, sending.

The only package that may import `telegram` or `aiohttp`
(enforced by ruff's TID251). It turns updates into calls on the core and
core values (replies, answers, buttons) into Bot API requests.
"""
