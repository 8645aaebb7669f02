"""The stem-careers program's research-question analyses (RQ1-RQ5) as careersurvey plug-ins.

Each module answers one question with the public API only and follows the plug-in protocol (README, "Plug-in
analyses"): ``KEY``, ``TITLE``, ``QUESTIONNAIRE``, ``load_study(store, design)`` and ``run(study)`` returning a
``cs.AnalysisResult``. They are registered in pyproject.toml under the entry-point group
``careersurvey.analyses``, so ``careersurvey report`` runs them on a stem-careers store; ``PLUGINS`` below lets
``careersurvey report --plugin stem_careers`` (or a design file's ``plugins: [stem_careers]``) name all five at
once, and ``python -m stem_careers.rq2_leaving --store S --design D --out DIR`` runs one on its own.
"""

#: The plug-in modules of this package, in the report's order.
PLUGINS = ("stem_careers.rq1_medicine", "stem_careers.rq2_leaving", "stem_careers.rq3_failure",
           "stem_careers.rq4_environment", "stem_careers.rq5_reforms")
