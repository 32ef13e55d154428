"""Shujiao (數交): a data asset exchange.

The application is built by ``market.app.create_app``; importing ``market`` or one of its
domains loads no web machinery.
"""
