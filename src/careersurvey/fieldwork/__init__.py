"""Fieldwork: everything before estimation — drawing the sample from a frame, the cases' AAPOR dispositions
and the response rates, and planning the next wave's sample.

Modules, one job each: ``frame`` (read and check a frame, ids as text), ``pps`` (inclusion probabilities and
the draws of one stratum: SRS, systematic PPS, Sampford, with joint probabilities), ``allocation`` (n per
stratum), ``selection`` (``draw_sample``: stratified, certainty units, minimum per stratum, seed),
``twostage`` (institutions then persons), ``output`` (``write_sample``, owner-only files).

This package reads the store only through :mod:`careersurvey.responses`' public functions; the estimation
package never imports it.
"""

from careersurvey.fieldwork.errors import FieldworkError
from careersurvey.fieldwork.output import write_sample
from careersurvey.fieldwork.selection import Sample, draw_sample
from careersurvey.fieldwork.twostage import TwoStageSample, draw_two_stage

__all__ = ["FieldworkError", "Sample", "TwoStageSample", "draw_sample", "draw_two_stage", "write_sample"]
