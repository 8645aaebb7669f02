"""Jinja2 environment for the HTML forms (paper form, codebook): templates ship in ``forms/templates``.

Autoescaping is on for every template, so questionnaire text can never inject markup or script.
"""

from __future__ import annotations

from functools import lru_cache

import jinja2


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The shared, sandbox-free but autoescaping environment (templates are ours, data is escaped)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("careersurvey.forms", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: object) -> str:
    """Render one template from ``forms/templates`` with ``context``."""
    return environment().get_template(template).render(**context)
