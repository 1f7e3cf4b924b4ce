"""Write notebooks/03_scenarios.ipynb from the cells below (keeps the source reviewable).

Run: python scripts/make_scenarios_notebook.py   (outputs are left empty; CI executes it)
"""

from __future__ import annotations

from pathlib import Path

import nbformat as nbf

CELLS = [
    (
        "md",
        """# Scenarios: what if the office network were different?

Two alternative networks are defined in Python, scored against **one** origins ×
candidates travel-time matrix (every scenario is a minimum over its open columns, no
re-routing), compared on a map, and the optimiser (HiGHS) proposes additions with the
cost–coverage trade-off. Runs offline on the embedded default (car times on the
**modelled** road network: a lower bound of the report's public-transport guideline).""",
    ),
    (
        "code",
        """import pandas as pd

import tillganglighet as tg
from tillganglighet.scenarios import (
    Scenario,
    base_network,
    build_matrices,
    candidate_set,
    plan,
    score_scenarios,
)
from tillganglighet.scenarios.optimise import plot_pareto

pd.set_option("display.max_columns", 12)
pd.set_option("display.width", 140)""",
    ),
    (
        "md",
        """## 1. Two scenarios

*A*: close every "kontor vi reser till" (visiting office) in Norrbotten and Västerbotten.
*B*: as A, but every Statens servicecenter service office in those counties open at the
end of 2020 also offers booked meetings (cooperation in SSC premises).""",
    ),
    (
        "code",
        """points = tg.meeting_points("2020-12-31")
north = points["lan"].isin(["Norrbottens län", "Västerbottens län"])
visiting = points.loc[north & (points["kind"] == "visiting_office"), "point_id"].tolist()
ssc = tg.service_offices("2020-12-31")
ssc_north = ssc.loc[ssc["lan"].isin(["Norrbottens län", "Västerbottens län"]),
                    "service_office_id"].tolist()

a = Scenario(name="A: utan kontor vi reser till i norr",
             description="Kontor vi reser till i Norrbotten och Västerbotten stängs",
             base="2020-12-31", close=tuple(visiting), threshold_min=45)
b = Scenario(name="B: A + SSC-servicekontor i norr",
             description="Som A, och SSC:s servicekontor i norr erbjuder bokade möten",
             extends=a.name, add=tuple((s, "cooperation_ssc") for s in ssc_north),
             threshold_min=45)
print(len(visiting), "visiting offices closed;", len(ssc_north), "service offices added")""",
    ),
    (
        "md",
        """## 2. Score them

Both readings of the guideline are computed (nearest point anywhere; nearest point in
the own FA-region, the report's wording); the ranking uses each scenario's `fa_rule`.
A is compared with the end-2020 network, B with A.""",
    ),
    (
        "code",
        """run = score_scenarios([a, b])
run.ranking[["rank", "scenario", "reference", "municipalities_beyond_rule",
             "population_beyond_rule", "mean_time_rule_min", "p90_time_min",
             "worst_municipality", "annual_cost_sek", "annual_cost_change_sek",
             "municipalities_worse", "max_loss_min"]]""",
    ),
    (
        "code",
        """m = run.municipalities
m[m["scenario"] == a.name].sort_values("change_fa_min", ascending=False)[
    ["kommun", "reference_mean_time_fa_min", "mean_time_fa_min", "change_fa_min", "gap_fa"]
].head(8)""",
    ),
    (
        "md",
        """## 3. The optimiser

Candidates: closed offices, SSC service offices and settlements of at least 2,000
people. *Set cover*: the fewest additions that bring every municipality's mean time
within 30 minutes (existing points fixed). *Pareto front*: the best `k` additions
(maximal covering, population-weighted) for k = 0…8, with their annual cost from the
report's figures (SEK 80,000 per cooperation solution, SEK 634,921 per own office).""",
    ),
    (
        "code",
        """cands = candidate_set(settlements_min_population=2000)
mats = build_matrices(cands)
base = base_network("2020-12-31", cands)
cover = plan(mats, base, "set-cover", threshold_min=30, fa_rule="own_fa_region")
print(cover.table[["additions", "status", "mip_gap", "seconds", "infeasible_municipalities"]]
      .to_string(index=False))
cover.additions[["name", "kommun", "kind", "annual_sek"]]""",
    ),
    (
        "code",
        """front = plan(mats, base, "pareto", threshold_min=30, k=8).table
front[["k", "population_beyond", "municipalities_beyond", "added_cost", "status", "added"]]""",
    ),
    (
        "code",
        """figure = plot_pareto(front)
if isinstance(figure, str):  # no matplotlib: an SVG of the same plot
    from IPython.display import SVG, display

    display(SVG(figure))""",
    ),
    (
        "md",
        """## 4. Compare on a map

Minutes gained or lost per municipality, scenario A against the end-2020 network
(FA-region rule). Heavy outline: beyond the 45-minute threshold in the scenario.""",
    ),
    (
        "code",
        """from tillganglighet.scenarios.maps import difference_map

sub = m[m["scenario"] == a.name]
difference_map(tg.municipalities(), sub["mean_time_fa_min"], sub["reference_mean_time_fa_min"],
               scenario=a.name, reference="slutet av 2020", threshold_min=45,
               rule_sv="närmaste plats inom egen FA-region",
               network_label_sv=mats.network_label_sv, description=a.description)""",
    ),
]


def main() -> None:
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src)
        for kind, src in CELLS
    ]
    out = Path(__file__).resolve().parents[1] / "notebooks" / "03_scenarios.ipynb"
    nbf.write(nb, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
