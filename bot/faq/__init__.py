"""The FAQ core: content model and validation, normalisation, matching, safety, replies.

One message in, one `Reply` value out, emergencies triaged first. Imports
only the standard library, PyYAML, rapidfuzz, numpy/onnxruntime/tokenizers
(sentence embeddings, `semantic.py`), py3langid (`language.py`) and `bot.faq`
itself: never Telegram, storage or a clock (`followup.py` takes the time as a
parameter).
"""
