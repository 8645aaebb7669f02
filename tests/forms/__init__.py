"""Tests of careersurvey.forms (a package so that module names never clash with other test folders)."""
