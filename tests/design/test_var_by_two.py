"""svyvar of several variables by two by variables (a (domain, variable, with) index): each domain's block
equals the covariance matrix of that domain alone (it raised in pandas before: names of the index levels)."""

import numpy as np
from rcases import dclus1


def test_covariance_by_two_variables_equals_each_domain():
    d = dclus1()
    out = d.var(["api00", "api99"], by=["stype", "awards"])
    assert list(out.index.names) == ["stype", "awards", "variable", "with"]
    for (stype, awards), block in out.groupby(level=[0, 1]):
        alone = d.subset((d.data["stype"] == stype).to_numpy() & (d.data["awards"] == awards).to_numpy()).var(
            ["api00", "api99"])
        np.testing.assert_allclose(block["estimate"].to_numpy(), alone["estimate"].to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(block["se"].to_numpy(), alone["se"].to_numpy(), rtol=1e-12)
