"""The plan reconciliation table and service health."""

from __future__ import annotations

from flask import Blueprint, jsonify

from api.declare import ok, operation
from api.services import services
from geo.serialize import json_value

bp = Blueprint("plan", __name__)


@bp.get("/plan/figures")
@operation("the reconciliation: each plan figure beside the measured value", "analysis",
           responses=ok("the figures"))
def plan_figures(q):
    figures = services().store.plan_figures()
    figures = figures[figures["layer"].isin(list(services().catalog))]  # the rows of the layers the user may see
    rows = [{k: json_value(v) for k, v in rec.items()} for rec in figures.to_dict(orient="records")]
    return jsonify({"figures": rows, "count": len(rows)})


@bp.get("/healthz")
@operation("status, feature counts and build time", "other", responses=ok("the status"))
def healthz(q):
    store = services().store
    counts = {layer_id: store.count(layer_id) for layer_id in services().catalog}
    info = store.build_info()
    return jsonify({"status": "ok", "layers": counts, "built_at": info.get("built_at")})
