"""The one exception type of the weighting package.

Every message names what was being weighted (the variable, the level, the replicate), what is wrong, and
what to do about it, so that a fieldwork statistician can fix the inputs without reading the code.
"""

from __future__ import annotations


class WeightingError(ValueError):
    """A weighting step cannot be done as asked (bad targets, impossible bounds, no convergence...).

    Subclasses ``ValueError`` so callers that catch bad-input errors in general also catch this one.
    """

