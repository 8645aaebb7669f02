"""Forms derived from the questionnaire: XLSForm, Excel entry template, codebook, DDI XML, paper form.

Each writer has a pure builder (questionnaire -> in-memory content) and an ``export_*`` function that
writes a file and returns its path. Nothing here restates the questionnaire by hand.
"""
