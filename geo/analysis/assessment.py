"""The end-of-period assessment (终期评估) of the plan's targets: each target's final status at the end of the period
and the rule that decided it, from the reported values of data/sources/plan_indicators.yaml — never estimated.

Statuses: met, partly, not met, no public data, not due (a target year after the period's end). Evidence is every
comparable value, and a non-comparable value that is a bound of the target's measure in the right direction (a
lower bound can show ≥ / > / = reached, an upper bound ≤ / <; a bound never shows a target missed). The basis decides
which value counts:
  stock, cumulative, milestone  reached once within the period = met (a level or total found at or above the
                                target); a comparable value at the period's end that falls short = not met;
  annual, ratio, rank           the target year's own value decides; reached only in an earlier year = partly;
  each_year                     every year of the period must meet: all = met, one short = not met, the rest
                                reached but some years unknown = partly;
  annual_average                the average over every year of the period (compound for growth rates in %), only
                                when every year is reported.
The operator is the plan's (≥ 以上/达到, > 超/突破, = a bare figure read as reached at N or more, ≤ / <). A 力争
(strive for) target is judged on the same figure; its rule says the target was an aim, and a miss stays not met.
Anything else is no public data, with the latest value and why it does not decide."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from geo.analysis.indicators import meets

STATUSES = ("met", "partly", "not met", "no public data", "not due")
PERIOD_END = 2025
TARGET_YEAR = ("annual", "ratio", "rank")
LOWER_PROVES = (">=", ">", "=")


@dataclass(frozen=True)
class Final:
    """A target's status at the end of the period, the rule (a code the pages word) and the value that decided it."""

    status: str
    rule: str
    why: str
    value: dict | None = None
    values: tuple = ()
    aim: bool = False


def _year(entry: dict) -> int:
    return int(str(entry["as_of"])[:4])


def _at_end(entry: dict, target_year: int) -> bool:
    return str(entry["as_of"])[:10] >= f"{target_year}-12-31"


def evidence(item: dict) -> tuple[list[dict], list[dict]]:
    """(comparable values, bounds that can show the target reached), each sorted by date."""
    op = item.get("comparison", "=")
    comparable = [r for r in item.get("reported") or [] if r.get("comparable", True)]
    wanted = "lower" if op in LOWER_PROVES else "upper"
    bounds = [r for r in item.get("reported") or [] if not r.get("comparable", True) and r.get("bound") == wanted]
    return comparable, bounds


def _ok(entry: dict, item: dict) -> bool:
    return meets(float(entry["value"]), float(item["value"]), item.get("comparison", "="))


def _one_per_year(values: list[dict]) -> dict[int, dict]:
    """The value of each year: the preferred source, else the latest published (values come sorted by date)."""
    out: dict[int, dict] = {}
    for entry in values:
        year = _year(entry)
        if year not in out or entry.get("preferred") or not out[year].get("preferred"):
            out[year] = entry
    return out


def _average(item: dict, per_year: dict[int, dict], years: range) -> float:
    """The average over the years: compound for a growth rate in %, arithmetic otherwise."""
    rates = [float(per_year[y]["value"]) for y in years]
    if item.get("unit") == "%":
        product = 1.0
        for rate in rates:
            product *= 1 + rate / 100
        return (product ** (1 / len(rates)) - 1) * 100
    return sum(rates) / len(rates)


def _period_years(item: dict) -> range:
    first, last = (item.get("period") or [2021, int(item["target_year"])])[:2]
    return range(max(int(first), 2021), int(last) + 1)


def _reached_once(item: dict, comparable: list[dict], bounds: list[dict]) -> Final:
    end = int(item["target_year"])
    in_time = f"{end + 1}-01-31"  # a level or total reported in the January after the target year is its year-end
    reached = [r for r in comparable + bounds if _ok(r, item) and str(r["as_of"])[:10] <= in_time]
    if reached:
        first = min(reached, key=lambda r: (r["as_of"], not r.get("preferred")))
        rule = "reached" if first in comparable else "bound_reached"
        return Final("met", rule, f"{first['value']:g} as of {first['as_of']} meets the target", first)
    at_end = [r for r in comparable if _at_end(r, end)]
    if at_end:
        return Final("not met", "short_at_end", f"{at_end[-1]['value']:g} as of {at_end[-1]['as_of']} falls short",
                     at_end[-1])
    return _no_decision(comparable)


def _target_year(item: dict, comparable: list[dict], bounds: list[dict]) -> Final:
    end = int(item["target_year"])
    per_year = _one_per_year(comparable)
    if end in per_year:
        value = per_year[end]
        if _ok(value, item):
            return Final("met", "year_met", f"{value['value']:g} in {end} meets the target", value)
        return Final("not met", "year_short", f"{value['value']:g} in {end} falls short", value)
    bound = next((b for b in reversed(bounds) if _year(b) == end and _ok(b, item)), None)
    if bound:
        return Final("met", "bound_reached", f"{bound['value']:g} (a lower bound of {end}) meets the target", bound)
    earlier = [per_year[y] for y in sorted(per_year) if _ok(per_year[y], item)]
    if earlier:
        last = earlier[-1]
        return Final("partly", "met_earlier", f"met in {_year(last)} ({last['value']:g}); no value for {end}", last)
    return _no_decision(comparable)


def _each_year(item: dict, comparable: list[dict]) -> Final:
    years = _period_years(item)
    per_year = {y: v for y, v in _one_per_year(comparable).items() if y in years}
    short = [v for v in per_year.values() if not _ok(v, item)]
    if short:
        return Final("not met", "year_short", f"{short[0]['value']:g} in {_year(short[0])} falls short", short[0])
    if per_year and len(per_year) == len(years):
        return Final("met", "every_year", f"every year {years[0]}-{years[-1]} meets the target",
                     values=tuple(per_year.values()))
    if per_year:
        return Final("partly", "some_years", f"met in {sorted(per_year)}; other years not reported",
                     values=tuple(per_year.values()))
    return _no_decision(comparable)


def _annual_average(item: dict, comparable: list[dict]) -> Final:
    years = _period_years(item)
    per_year = {y: v for y, v in _one_per_year(comparable).items() if y in years}
    if not per_year:
        return _no_decision(comparable)
    if len(per_year) < len(years):
        missing = [y for y in years if y not in per_year]
        return Final("no public data", "average_incomplete", f"no value for {missing}", None,
                     tuple(per_year.values()))
    average = _average(item, per_year, years)
    ok = meets(average, float(item["value"]), item.get("comparison", "="))
    return Final("met" if ok else "not met", "average", f"average {average:.3g} over {years[0]}-{years[-1]}",
                 {"value": round(average, 2), "as_of": f"{years[-1]}-12-31", "derived": "average"},
                 tuple(per_year.values()))


def _no_decision(comparable: list[dict]) -> Final:
    if comparable:
        last = comparable[-1]
        return Final("no public data", "latest_not_final",
                     f"latest comparable {last['value']:g} as of {last['as_of']} does not decide the target", last)
    return Final("no public data", "none", "no comparable value found")


def final_status(item: dict, period_end: int = PERIOD_END) -> Final:
    """The final status of one target at the end of `period_end`, and the rule that decided it."""
    aim = bool(item.get("aim"))
    if int(item["target_year"]) > period_end:
        return Final("not due", "not_due", f"target year {item['target_year']} is after {period_end}", aim=aim)
    comparable, bounds = evidence(item)
    basis = item.get("basis", "stock")
    if basis == "each_year":
        final = _each_year(item, comparable)
    elif basis == "annual_average":
        final = _annual_average(item, comparable)
    elif basis in TARGET_YEAR:
        final = _target_year(item, comparable, bounds)
    else:
        final = _reached_once(item, comparable, bounds)
    return Final(final.status, final.rule, final.why, final.value, final.values, aim)


def assess(item: dict, period_end: int = PERIOD_END) -> dict:
    """The final status as JSON: status, rule, why (English), the deciding value, 力争 flag."""
    out = asdict(final_status(item, period_end))
    out["values"] = list(out["values"])
    return out


def status_counts(items: list[dict]) -> dict[str, int]:
    """How many targets have each final status."""
    return {s: sum(1 for i in items if i["final"]["status"] == s) for s in STATUSES}
