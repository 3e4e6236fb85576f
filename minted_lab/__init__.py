"""minted_lab: the Minted Connect Partner API, pleasant from a notebook."""

__version__ = "0.1.0"
