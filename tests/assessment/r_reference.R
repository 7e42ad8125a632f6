# The R survey calls of docs/methods.md §7 on one county's results file (as CSV).
# Usage: Rscript r_reference.R results.csv P E R N   → one JSON line: indicator → [value, se]
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1], stringsAsFactors = FALSE)
P <- as.numeric(a[2]); E <- as.numeric(a[3]); R <- as.numeric(a[4]); N <- as.numeric(a[5])
d <- d[!is.na(d$outcome) & d$outcome == "completed", ]
verified <- d$standard %in% c("meets", "fails")
d$fails <- as.numeric(d$standard == "fails")
d$exv <- as.numeric(d$stratum == "exited" & verified)
d$nrv <- as.numeric(d$stratum %in% c("risk", "other") & verified)
d$fw <- d$fails * d$exv
d$fm <- d$fails * d$nrv
d$interviewed <- as.numeric(d$stratum %in% c("exited", "poor") &
                            d$recognition %in% c("yes", "no", "unsure"))
d$yes <- as.numeric(!is.na(d$recognition) & d$recognition == "yes") * d$interviewed
d$pw <- d$weight * d$household_size
d$one <- 1
people <- svydesign(ids = ~var_psu + household_id, strata = ~var_stratum + stage2_stratum,
                    fpc = ~fpc1 + fpc2, weights = ~pw, data = d, nest = TRUE)
households <- svydesign(ids = ~var_psu + household_id, strata = ~var_stratum + stage2_stratum,
                        fpc = ~fpc1 + fpc2, weights = ~weight, data = d, nest = TRUE)
pair <- function(est) c(unname(coef(est))[1], unname(sqrt(diag(vcov(est))))[1])
out <- list(version = as.character(packageVersion("survey")))
out$wrong_exit_rate <- pair(svymean(~fails, subset(people, exv == 1)))
out$missed_rate <- pair(svymean(~fails, subset(people, nrv == 1)))
out$recognition_rate <- pair(svymean(~yes, subset(households, interviewed == 1)))
# Incidence from the registry's known totals: (P + p_w E + p_m R) / N, both rates at once.
r <- svyratio(~fw + fm, ~exv + nrv, people, covmat = TRUE)
inc <- svycontrast(r, list(incidence = c("fw/exv" = E / N, "fm/nrv" = R / N)))
out$incidence <- c(P / N + unname(coef(inc)), unname(SE(inc)))
out$households_total <- pair(svytotal(~one, households))
cat(paste0("{", paste(sprintf('"%s": %s', names(out), sapply(out, function(x)
  if (is.character(x)) sprintf('"%s"', x) else sprintf("[%.15g, %.15g]", x[1], x[2]))),
  collapse = ", "), "}"), "\n")
