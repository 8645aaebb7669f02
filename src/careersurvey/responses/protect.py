"""What a data export leaves out or disguises: items the questionnaire marks sensitive, and respondent ids.

A full export holds every item and the ids as stored (and is written owner-only, :mod:`.files`). For a file
that travels further:

- ``drop_sensitive``: every item marked ``sensitive: true`` in the questionnaire is left out (all its columns,
  its labels and missing codes);
- ``pseudonymise`` (a key file): respondent ids, and the values of any sensitive item still kept, are replaced by
  a keyed hash (HMAC-SHA256 of the text, first 32 hex digits). The same id and key always give the same
  pseudonym, so files and waves still link; without the key nobody can turn a pseudonym back into an id or
  test a guess. The key lives outside the data and is never written into an export.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from careersurvey.responses.dataset import Dataset
from careersurvey.responses.problems import ResponsesError

#: Shortest key accepted, in bytes (128 bits).
MIN_KEY_BYTES = 16
#: Hex digits of the HMAC kept as the pseudonym (128 bits: no collisions among any survey's respondents).
PSEUDONYM_HEX = 32


def read_key(path: str | Path) -> bytes:
    """The secret key of a key file (its bytes, a trailing newline removed); errors name the file."""
    path = Path(path)
    try:
        key = path.read_bytes().rstrip(b"\r\n")
    except FileNotFoundError:
        raise ResponsesError("the key file does not exist; make one with e.g. `openssl rand -hex 32 > KEYFILE` "
                             "and keep it apart from the data", code="usage", file=str(path)) from None
    except IsADirectoryError:
        raise ResponsesError("this is a folder, not a key file", code="usage", file=str(path)) from None
    if len(key) < MIN_KEY_BYTES:
        raise ResponsesError(f"the key has {len(key)} bytes; a pseudonymisation key needs at least {MIN_KEY_BYTES} "
                             "(e.g. `openssl rand -hex 32 > KEYFILE`)", code="usage", file=str(path))
    return key


def pseudonyms(values: pd.Series, key: bytes) -> pd.Series:
    """Each value's keyed hash as text (NA stays NA); every distinct value is hashed once."""
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    digests = np.array([hmac.new(key, str(u).encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]
                        for u in uniques], dtype=object)  # over distinct values, not rows
    out = np.where(codes >= 0, digests[np.maximum(codes, 0)] if len(digests) else None, None)
    return pd.Series(out, index=values.index, dtype="string", name=values.name)


def sensitive_columns(ds: Dataset) -> list[str]:
    """The data columns of every item the questionnaire marks sensitive."""
    return [col for item in ds.questionnaire.items if item.sensitive for col in item.columns()
            if col in ds.data.columns]


def protect(ds: Dataset, *, drop_sensitive: bool = False, key: bytes | None = None) -> Dataset:
    """``ds`` with sensitive items left out and/or ids and kept sensitive values pseudonymised (see module docs)."""
    if not drop_sensitive and key is None:
        return ds
    sensitive = sensitive_columns(ds)
    data, missing = ds.data, ds.missing
    value_labels, measure = dict(ds.value_labels), dict(ds.measure)
    variable_labels = dict(ds.variable_labels)
    if drop_sensitive:
        data = data.drop(columns=sensitive)
        missing = missing.drop(columns=[c for c in sensitive if c in missing.columns])
        for mapping in (value_labels, measure, variable_labels):
            for col in sensitive:
                mapping.pop(col, None)
        sensitive = []
    if key is not None:
        data = data.assign(**{col: pseudonyms(data[col], key) for col in ["respondent_id", *sensitive]})
        for col in sensitive:  # a pseudonym is text: its codes' labels no longer apply
            value_labels.pop(col, None)
            measure[col] = "nominal"
    return replace(ds, data=data, missing=missing, variable_labels=MappingProxyType(variable_labels),
                   value_labels=MappingProxyType(value_labels), measure=MappingProxyType(measure))
