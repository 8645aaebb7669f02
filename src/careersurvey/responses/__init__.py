"""Responses: read fieldwork files, validate them against the questionnaire, store, load and export.

The path a file takes (each step a function of the public API; the CLI ``careersurvey responses`` is a
thin shell over them)::

    readers.read_responses  ->  validate.validate  ->  store.ResponseStore (via importer.import_responses)
                                                             |
                        dataset.load_responses  <------------+------>  export.export_responses

Nothing is lost on the way: every row read is stored, accepted or quarantined with its reasons
(:mod:`.problems`), raw cell values are kept beside clean ones, and each import is one transaction with
a ledger row.

Modules: ``readers/`` (workbook safety and sheet scan, entry template, KoboToolbox/ODK, CSV),
``columns`` (headers to questionnaire columns), ``validate`` (rules from the questionnaire),
``store`` + ``schema`` (DuckDB file, migrations), ``importer`` (one file, one transaction),
``dataset`` (``load_responses``, ``load_dataset``, ``load_missing``), ``export`` (sav, dta, parquet, csv, xlsx),
``problems`` (messages), ``tables`` (``read_table``: a user's data file, ids kept as text), ``sample_design``
(``attach_sample_design``: the sample-design file joined by respondent id).
"""
