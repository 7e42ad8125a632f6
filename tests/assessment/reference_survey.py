"""Published R ``survey`` results on the California API data, the reference for estimation.

Every number below is copied from printed R output in a public source; each carries the
repository, path and R call. Values are as printed (R rounds to ~5 significant figures), so
tests compare at 4 significant figures.

Designs (R):
    dstrat   <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
    dclus1   <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
    dclus2wr <- svydesign(id=~dnum+snum, weights=~pw, data=apiclus2)   # ultimate cluster, no fpc

Numbers that are DERIVED rather than published (closed forms, independent implementations)
live in the tests themselves, with a comment saying so.
"""

from __future__ import annotations

# (value, se) pairs unless said otherwise.

# --- cran/survey, tests/api.Rout.save (commit e04ec819eabbfca667102945cd549749b894e1ef,
#     R 2.14.0 run of example(api); the 2007 version 014e4dba prints the same numbers).
#     Note: svymean(~api00, dstrat) prints SE 9.4089 there (not 9.5361).
DSTRAT_MEAN_API00 = (662.29, 9.4089)  # svymean(~api00, dstrat)
DSTRAT_TOTAL_ENROLL = (3687178.0, 114642.0)  # svytotal(~enroll, dstrat, na.rm=TRUE)
DCLUS1_MEAN_API00 = (644.17, 23.542)  # svymean(~api00, dclus1)
DCLUS1_TOTAL_ENROLL = (3404940.0, 932235.0)  # svytotal(~enroll, dclus1, na.rm=TRUE)
DCLUS2WR_MEAN_API00 = (670.81, 30.712)  # svymean(~api00, dclus2wr)
# svytotal(~enroll, dclus2wr, na.rm=TRUE): 6 schools lack enroll; na.rm=TRUE is a domain
# estimate over the rows with enroll present.
DCLUS2WR_TOTAL_ENROLL = (2639273.0, 820261.0)

# --- cran/survey, inst/doc/survey.tex (commit 014e4dba41e1a0834234ea502335bb4d5383068f,
#     vignette "A survey analysis example", Sweave output).
DCLUS1_RATIO_APISTU_ENROLL = (0.8497087, 0.008386297)  # svyratio(~api.stu, ~enroll, dclus1)
# svyratio(~api.stu, ~enroll, design=subset(dclus1, stype == "H"))
DCLUS1_RATIO_APISTU_ENROLL_HIGH = (0.8300683, 0.01472607)
# svytotal(~stype, dclus1): estimated number of schools of each type (totals of indicators)
DCLUS1_TOTAL_STYPE = {"E": (4873.97, 1333.32), "H": (473.86, 158.70), "M": (846.17, 167.55)}
# svyby(~ell + meals, ~stype, design=dclus1, svymean): domain means by school type
DCLUS1_BY_STYPE_MEAN_ELL = {
    "E": (29.69444, 1.411617),
    "H": (15.00000, 5.347065),
    "M": (22.68000, 2.952862),
}
DCLUS1_BY_STYPE_MEAN_MEALS = {
    "E": (53.09028, 7.070399),
    "H": (37.57143, 5.912262),
    "M": (43.08000, 6.017110),
}
# svymean(make.formula(vars), dclus1, na.rm=TRUE) with vars = names(apiclus1)[c(12:13,
# 16:23, 27:37)]: na.rm drops the rows with any of those missing — in apiclus1 only avg.ed
# has NAs — so these are domain means over the rows where avg.ed is present.
DCLUS1_MEAN_NARM_AVGED = {
    "api00": (643.203822, 25.4936),
    "ell": (26.891720, 2.1567),
    "enroll": (573.713376, 46.5959),
    "meals": (50.636943, 6.6588),
}

# --- insightsengineering/cardx, tests/testthat/_snaps/ard_survey_categorical_ci.md (commit
#     635b6dc0d13e21fa97f1093e80effa0e1e85c3c0): snapshot of
#     svyciprop(~I(both == "No"), dclus1, method="logit", level=0.95, df=degf(dclus1)),
#     one call per variable level (see tests/testthat/test-ard_survey_categorical_ci.R and
#     R/ard_survey_categorical_ci.R, .svyciprop_wrapper). (estimate, ci_low, ci_high).
DCLUS1_CIPROP_LOGIT = {
    ("both", "No"): (0.273224, 0.2131745, 0.342819),
    ("both", "Yes"): (0.726776, 0.657181, 0.7868255),
    ("awards", "No"): (0.2896175, 0.2241835, 0.3651608),
    ("awards", "Yes"): (0.7103825, 0.6348392, 0.7758165),
}

# --- insightsengineering/cardx, tests/testthat/_snaps/ard_survey_continuous_ci.md (commit
#     6060a4553df03551086c5fb5e8298169463c8de5): svymean(~api99, dclus1) at full precision.
#     (Its printed CI 559.4979–654.4583 is confint() with normal quantiles, not our t_df.)
DCLUS1_MEAN_API99 = (606.9781, 24.22504)

# --- R stats, ?binom.test example binom.test(c(682, 243), p = 3/4), printed 95 % interval
#     "0.708 0.765" (3 digits, e.g. in a knitr rendering of the example found in the code
#     corpus). Korn–Graubard reduces to this Clopper–Pearson interval when n_eff = n.
BINOM_682_OF_925_CI = (0.708, 0.765)

# --- R survey, ?svydesign / ?svymean examples on the two-stage design without replacement
#     dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2), printed:
#     svymean(~api00, dclus2) "670.81 30.099"; svytotal(~enroll, dclus2, na.rm = TRUE)
#     "2639273 799638". Re-run with Debian 12's r-cran-survey 4.1-1 (R 4.2.2), same output.
DCLUS2_MEAN_API00 = (670.81, 30.099)
DCLUS2_TOTAL_ENROLL = (2639273, 799638)
