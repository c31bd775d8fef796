"""Convonet's shared package: contracts, bus, stores, agent, logging and settings.

Every deployable (each Cloud Function and the WebSocket relay) imports this package; its
source bundle carries a copy of it.
"""
