"""Fieldwork: everything before estimation — drawing the sample from a frame, the cases' AAPOR dispositions
and the response rates, and planning the next wave's sample.

Modules, one job each: ``frame`` (read and check a frame, ids as text), ``pps`` (inclusion probabilities and
the draws of one stratum: SRS, systematic PPS, Sampford, with joint probabilities), ``allocation`` (n per
stratum), ``selection`` (``draw_sample``: stratified, certainty units, minimum per stratum, seed),
``twostage`` (institutions then persons), ``output`` (``write_sample``, owner-only files), ``codes`` (the
AAPOR disposition codes), ``dispositions`` (completes and partials from the store, the rest from the
manager's file), ``rates`` (``response_rates``: RR1-6, COOP1-4, REF1-3, CON1-3), ``planning`` (sample
sizes, allocation and cluster size for the next wave, PracTools' formulas), ``status`` (progress by stratum
against the target, the follow-up list), ``rindicator`` (the R-indicator of representativeness with its
bootstrap SE), ``nonresponse`` (respondents against the full sample on frame variables, design-based tests).

This package reads the store only through :mod:`careersurvey.responses`' public functions; the estimation
package never imports it.
"""

from careersurvey.fieldwork.dispositions import Dispositions, assign_dispositions, read_sample
from careersurvey.fieldwork.errors import FieldworkError
from careersurvey.fieldwork.output import write_sample
from careersurvey.fieldwork.rates import ResponseRates, response_rates
from careersurvey.fieldwork.selection import Sample, draw_sample
from careersurvey.fieldwork.twostage import TwoStageSample, draw_two_stage

__all__ = ["Dispositions", "FieldworkError", "ResponseRates", "Sample", "TwoStageSample", "assign_dispositions",
           "draw_sample", "draw_two_stage", "read_sample", "response_rates", "write_sample"]
