"""Make real KoboToolbox exports of a small form with formpack (run from /tmp; not committed code)."""
import copy, sys
from pathlib import Path
from formpack import FormPack

OUT = Path(sys.argv[1])

def choices(list_name, items):
    return [{"list_name": list_name, "name": str(c), "label": [en, ko]} for c, en, ko in items]

yesno = choices("yesno", [(1, "Yes", "예"), (0, "No", "아니요")])
role = choices("role", [(1, "Student", "학생"), (2, "Researcher", "연구원"), (3, "Engineer", "엔지니어"), (4, "Physician", "의사")])
mot_v1 = choices("motives", [(1, "Pay", "보수"), (2, "Autonomy", "자율성"), (3, "Stability", "안정성"), (4, "Prestige", "명성")])
mot_v2 = [c for c in mot_v1 if c["name"] != "3"]
agree = choices("agree5", [(i, f"Agree {i}", f"동의 {i}") for i in range(1, 6)])

def q(type_, name, en, ko, **kw):
    d = {"type": type_, "name": name, "label": [en, ko]}
    d.update(kw); return d

def survey(v2):
    s = [
        q("text", "respondent_id", "Respondent ID", "응답자 ID"),
        {"type": "begin_group", "name": "grp_status", "label": ["Status", "현황"]},
        q("select_one", "consent", "Consent", "동의", select_from_list_name="yesno"),
        q("select_one", "role", "Role", "직무", select_from_list_name="role"),
        q("integer", "age", "Age", "나이"),
        {"type": "end_group"},
        {"type": "begin_group", "name": "grp_career", "label": ["Career", "경력"]},
        q("select_multiple", "motives", "Motives", "동기", select_from_list_name="motives"),
        q("decimal", "pay", "Pay", "보수"),
        q("select_one", "fof_shame", "Shame", "수치심", select_from_list_name="agree5"),
        q("date", "start_date", "Start date", "시작일"),
        q("text", "comment", "Comment", "의견"),
        {"type": "end_group"},
        {"type": "begin_repeat", "name": "jobs", "label": ["Jobs", "직장"]},
        q("text", "job_title", "Job title", "직함"),
        q("integer", "job_years", "Years", "근속 연수"),
        {"type": "end_repeat"},
    ]
    if v2:
        s.insert(9, q("integer", "hours", "Hours per week", "주당 근무 시간"))
    return s

def version(vid, v2, subs):
    return {"version": vid, "content": {"survey": survey(v2), "choices": yesno + role + (mot_v2 if v2 else mot_v1) + agree,
            "settings": {}, "translations": ["English (en)", "Korean (ko)"], "translated": ["label"], "schema": "1"}, "submissions": subs}

def sub(i, rid, consent, role, age, motives, pay, fof, date, comment, jobs, hours=None):
    d = {"respondent_id": rid, "grp_status/consent": str(consent), "grp_status/role": str(role),
         "grp_status/age": str(age), "grp_career/motives": motives, "grp_career/pay": pay,
         "grp_career/fof_shame": str(fof), "grp_career/start_date": date, "grp_career/comment": comment,
         "jobs": [{"jobs/job_title": t, "jobs/job_years": str(y)} for t, y in jobs],
         "_id": 1000 + i, "_uuid": f"5f0c6d2e-0000-4000-8000-{i:012d}",
         "_submission_time": f"2026-10-{10 + i:02d}T09:{i:02d}:00"}
    if hours is not None:
        d["grp_career/hours"] = str(hours)
    return {k: v for k, v in d.items() if v not in (None, "")}

v1subs = [
    sub(1, "0001", 1, 2, 34, "1 3", "5200", 4, "2019-03-01", "연구 자율성이 중요합니다", [("연구원", 5), ("Postdoc", 2)]),
    sub(2, "0002", 1, 4, 41, "1 4", "12000.5", 2, "2012-09-15", "", [("의사", 8)]),
    sub(3, "0003", 1, 1, 24, "2", "", 5, "2024-03-02", "=SUM(A1:A3)", []),
    sub(4, "0004", 1, 3, 29, "3", "7000", 3, "2021-01-04", "", [("Engineer", 3)]),
]
v2subs = [
    sub(5, "0005", 1, 2, 38, "2 4", "6100", 1, "2015-05-20", "", [("연구원", 10)], hours=52),
    sub(6, "0006", 1, 3, 31, "1", "8800", 2, "2020-07-01", "Big tech", [], hours=45),
]
for s in v1subs: s["__version__"] = "vKoboA"
for s in v2subs: s["__version__"] = "vKoboB"
schemas = [version("vKoboA", False, []), version("vKoboB", True, [])]
for s in schemas: s.pop("submissions")
fp = FormPack(schemas, "STEM careers mini", id_string="stem_mini")
subs = v1subs + v2subs
copy_fields = ("_id", "_uuid", "_submission_time", "__version__")
versions = list(fp.versions.keys())
fp.export(versions=versions, lang=False, copy_fields=copy_fields, multiple_select="both").to_xlsx(OUT / "kobo_values.xlsx", copy.deepcopy(subs))
fp.export(versions=versions, lang="English (en)", copy_fields=copy_fields, multiple_select="both", group_sep="/").to_xlsx(OUT / "kobo_labels_en.xlsx", copy.deepcopy(subs))
fp.export(versions=versions, lang="Korean (ko)", copy_fields=copy_fields, multiple_select="summary").to_xlsx(OUT / "kobo_labels_ko.xlsx", copy.deepcopy(subs))
csv = "\n".join(fp.export(versions=versions, lang=False, copy_fields=copy_fields, multiple_select="both").to_csv(copy.deepcopy(subs)))
(OUT / "kobo_values.csv").write_text(csv + "\n", encoding="utf-8")
print("ok")
fp.export(versions=versions, lang=False, hierarchy_in_labels=True, group_sep="/", copy_fields=copy_fields, multiple_select="both").to_xlsx(OUT / "kobo_groups.xlsx", copy.deepcopy(subs))
print("ok groups")
