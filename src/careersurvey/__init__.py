"""careersurvey: versioned bilingual questionnaires, fieldwork forms, validated response storage and
design-based analysis (weighting, estimates with correct standard errors, regression) for the Korean
STEM careers survey program — and for anyone who wants to run theirs with it.

The public API is listed in ``__all__``. Names are imported on first use, so that ``import careersurvey``
and the command line start fast and a user who only makes forms never loads statsmodels.
"""

from __future__ import annotations

from careersurvey._lazy import lazy_exports

__version__ = "0.1.0"

# public name -> module that defines it (one line each; keep sorted by module)
_EXPORTS: dict[str, str] = {
    "Questionnaire": "careersurvey.questionnaire.model",
    "Item": "careersurvey.questionnaire.model",
    "Scale": "careersurvey.questionnaire.model",
    "MISSING_CODES": "careersurvey.questionnaire.model",
    "parse_expression": "careersurvey.expr",
    "load_questionnaire": "careersurvey.questionnaire.locate",
    "QuestionnaireError": "careersurvey.questionnaire.errors",
    "diff": "careersurvey.questionnaire.versions",
    "export_xlsform": "careersurvey.forms.xlsform",
    "export_template": "careersurvey.forms.template",
    "export_codebook": "careersurvey.forms.codebook",
    "export_ddi": "careersurvey.forms.ddi",
    "export_paper": "careersurvey.forms.paper",
    "score_scale": "careersurvey.scales",
    "score_scales": "careersurvey.scales",
    "scale_items": "careersurvey.scales",
    "reliability": "careersurvey.scales",
    "reliability_table": "careersurvey.scales",
    "one_factor": "careersurvey.scales",
    "Reliability": "careersurvey.scales",
    "OneFactor": "careersurvey.scales",
    "ScaleError": "careersurvey.scales",
    "load_responses": "careersurvey.responses.dataset",
    "load_dataset": "careersurvey.responses.dataset",
    "load_missing": "careersurvey.responses.dataset",
    "Dataset": "careersurvey.responses.dataset",
    "import_responses": "careersurvey.responses.importer",
    "ImportResult": "careersurvey.responses.store",
    "ResponseStore": "careersurvey.responses.store",
    "ResponsesError": "careersurvey.responses.problems",
    "read_responses": "careersurvey.responses.readers",
    "validate_responses": "careersurvey.responses.validate",
    "export_responses": "careersurvey.responses.export",
    "attach_sample_design": "careersurvey.responses.sample_design",
    "SampleDesignError": "careersurvey.responses.sample_design",
    "SampleDesignWarning": "careersurvey.responses.sample_design",
    "read_table": "careersurvey.responses.tables",
    "load_design_file": "careersurvey.designfile.load",
    "DesignFile": "careersurvey.designfile.load",
    "DesignFileError": "careersurvey.designfile.errors",
    "draw_sample": "careersurvey.fieldwork.selection",
    "draw_two_stage": "careersurvey.fieldwork.twostage",
    "write_sample": "careersurvey.fieldwork.output",
    "Sample": "careersurvey.fieldwork.selection",
    "TwoStageSample": "careersurvey.fieldwork.twostage",
    "FieldworkError": "careersurvey.fieldwork.errors",
    "response_rates": "careersurvey.fieldwork.rates",
    "ResponseRates": "careersurvey.fieldwork.rates",
    "assign_dispositions": "careersurvey.fieldwork.dispositions",
    "read_sample": "careersurvey.fieldwork.dispositions",
    "Dispositions": "careersurvey.fieldwork.dispositions",
    "n_proportion": "careersurvey.fieldwork.planning",
    "n_mean": "careersurvey.fieldwork.planning",
    "allocate_strata": "careersurvey.fieldwork.planning",
    "cluster_plan": "careersurvey.fieldwork.planning",
    "plan_strata": "careersurvey.fieldwork.planning",
    "planning_inputs": "careersurvey.fieldwork.planning",
    "fieldwork_status": "careersurvey.fieldwork.status",
    "FieldworkStatus": "careersurvey.fieldwork.status",
    "write_follow_up": "careersurvey.fieldwork.status",
    "r_indicator": "careersurvey.fieldwork.rindicator",
    "RIndicator": "careersurvey.fieldwork.rindicator",
    "nonresponse_comparison": "careersurvey.fieldwork.nonresponse",
    "AnalysisResult": "careersurvey.report.results",
    "Table": "careersurvey.report.results",
    "Figure": "careersurvey.report.results",
    "figure_png": "careersurvey.report.results",
    "estimate_plot": "careersurvey.report.plots",
    "forest_plot": "careersurvey.report.plots",
    "heatmap": "careersurvey.report.plots",
    "build_report": "careersurvey.report.build",
    "public_use_file": "careersurvey.disclosure.publish",
    "PublicUseFile": "careersurvey.disclosure.publish",
    "measure_risk": "careersurvey.disclosure.risk",
    "Risk": "careersurvey.disclosure.risk",
    "ReleaseError": "careersurvey.disclosure.release",
    "simulate_survey": "careersurvey.simulate",
    "SurveyDesign": "careersurvey.estimation.design",
    "DesignError": "careersurvey.estimation.design",
    "MissingCodeError": "careersurvey.estimation.codes",
    "LonelyPSUError": "careersurvey.estimation.design",
    "ModelResults": "careersurvey.estimation.models",
    "ModelError": "careersurvey.estimation.models",
    "ModelWarning": "careersurvey.estimation.models",
    "EstimateError": "careersurvey.estimation.estimators",
    "ChisqResult": "careersurvey.estimation.chisq",
    "contrast": "careersurvey.estimation.contrast",
    "load_targets": "careersurvey.targets",
    "Targets": "careersurvey.targets",
    "WeightingError": "careersurvey.estimation.weighting",
    "WeightSummary": "careersurvey.estimation.weighting",
    "ReplicateWeights": "careersurvey.estimation.weighting",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, __all__)
