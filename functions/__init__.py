"""The deployable functions: each folder is one Cloud Function, its own code beside its
thin ``main.py``. What two or more deployables import lives in ``shared/``."""
