"""Rasa input channels: the portal's REST webhook (and, later, Zalo and Messenger)."""
