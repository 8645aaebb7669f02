# R's svyolr on rake() of the clus1-rake3-olr case's margins (tests/fixtures/r-survey-extra), for
# tests/engine/test_engine_ordinal.py (R_RAKE): the case itself calibrates by calibrate(calfun = "raking"), whose
# residuals differ from rake()'s, and the engine path rakes as rake(). Run from the repository root:
#   Rscript tests/engine/r_rake_olr.R
suppressMessages(library(survey))
d <- read.csv("tests/fixtures/r-survey-extra/data/apiclus1_x.csv")
des <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = d)
pop <- list(data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018)),
            data.frame(sch_wide = c("No", "Yes"), Freq = c(1072, 5122)),
            data.frame(comp_imp = c("No", "Yes"), Freq = c(1712, 4482)))
des <- rake(des, list(~stype, ~sch_wide, ~comp_imp), pop, control = list(maxit = 100, epsilon = 1e-12))
des <- update(des, .olr_y = factor(api_band, ordered = TRUE))
r <- svyolr(.olr_y ~ meals + stype, design = des, control = list(reltol = 1e-15, maxit = 1000, ndeps = rep(1e-6, 6)))
cat(sprintf("%.15g", c(r$coefficients, r$zeta)), "\n")
cat(sprintf("%.15g", SE(r)), "\n")
