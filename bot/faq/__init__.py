"""The FAQ core: content model and validation, normalisation, matching, safety, replies.

One message in, one `Reply` value out. Imports only the standard library,
PyYAML, rapidfuzz and `bot.faq` itself: never Telegram, storage or a clock.
"""
