"""Registry pages, one module per audience: ``provider`` (assets, claims, certificates),
``reviewer`` (the claim queue and decisions) and ``public`` (notices, objections, certificate
verification). They share one blueprint, ``registry``, from ``common``."""

from market.registry.pages import provider, public, reviewer
from market.registry.pages.common import blp

__all__ = ["blp", "provider", "public", "reviewer"]
