"""Cloud language models behind one interface, with an in-turn fallback chain.

- ``providers``: ``ProviderId``, the ``SPECS`` table, ``chat_model(provider, settings)``,
  ``available(settings)`` and ``choose(session_choice, user_choice, settings)``.
- ``fallback``: ``FallbackChatModel`` (one chat model that tries each provider in turn),
  ``fallback_chat_model(chain, settings)``, ``Answered`` / ``Fallback`` and ``answered_of``.
- ``startup``: ``check_keys(settings)``, which stops the instance on a refused key.
"""
