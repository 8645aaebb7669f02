"""Statistical disclosure control for a public-use file (as sdcMicro): roles, risk, treatments, release.

- :mod:`.roles`: which columns are direct identifiers, key variables, sensitive or open text (the questionnaire's
  ``disclosure:`` roles, or a declaration file beside it such as ``survey/stem-careers/disclosure-1.1.0.yaml``);
- :mod:`.risk`: frequency counts of key combinations, individual risk, k-anonymity and l-diversity;
- :mod:`.recode`, :mod:`.suppress`, :mod:`.pram`, :mod:`.mdav`: the treatments, each seedable and recorded;
- :mod:`.masked`: masked variance strata and PSUs; :mod:`.release` and :mod:`.report`: the public-use file.

The estimation package never imports this one; this one uses estimation only for the report's utility tables.
"""
